// Hikvision (and its brands EZVIZ, HiWatch, HiLook): markers from
// domain.md §2.1 and the relabel notes in §3. Strong markers survive
// relabelling; the bare word and the `_HIK_` token do not name Hikvision.

rule oem_hikvision_digicap_container {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "strong"
    description = "digicap.dav SWKH container, whatever brand is on the label"
    reference = "domain.md §1.2, §3 (1)"
    fixture_container = "hikvision-dav" fixture_header = "oem_code=1;language=1;device_class=0"
    decoy_container = "dahua-zip" decoy_header = "install_vendor=General"
  condition: container == "hikvision-dav"
}

rule oem_hikvision_davinci_main_process {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "strong"
    description = "davinci, the Hikvision IPC main process (or its archive)"
    reference = "domain.md §2.1 (H1, H5)"
    fixture_path = "home/davinci.tar.gz" decoy_path = "lib/modules/davinci_emac.ko"
  condition: name matches /^davinci(\.tar\.(gz|lzma|xz))?$/
}

rule oem_hikvision_upgrade_tables {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "strong"
    description = "_cfgUpgClass / _cfgUpgSecPls upgrade model tables"
    reference = "domain.md §2.1 (H1)"
    fixture_path = "_cfgUpgClass" decoy_path = "etc/cfgUpgrade.ini"
  condition: name matches /^_cfgUpg(Class|SecPls)$/
}

rule oem_hikvision_hroot {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "strong"
    description = "hroot.img root filesystem image"
    reference = "domain.md §2.1 (H1)"
    fixture_path = "hroot.img" decoy_path = "root.img"
  condition: name == "hroot.img"
}

rule oem_hikvision_psh {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "strong"
    description = "/bin/psh, the Hikvision restricted shell"
    reference = "domain.md §2.1"
    fixture_path = "bin/psh" decoy_path = "bin/sh"
  condition: path matches /(^|\/)bin\/psh$/
}

rule oem_hikvision_root_hash {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "strong"
    description = "Hikvision's stock root crypt hash in passwd"
    reference = "domain.md §2.1"
    fixture = "root:ToCOv8qxP13qs:0:0:root:/root:/bin/psh\n"
    decoy = "root:ToCOv8qxP13q:0:0:root:/root:/bin/sh\n"
  strings: $h = "root:ToCOv8qxP13qs:"
  condition: $h
}

rule oem_hikvision_config_key {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "strong"
    description = "AES key of the Hikvision configuration file, as bytes in a binary"
    reference = "domain.md §2.1 (config-file AES key 279977f6…)"
    fixture = "\x00\x27\x99\x77\xf6\x2f\x6c\xfd\x2d\x91\xcd\x75\xb8\x89\xce\x0c\x9a\x00"
    decoy = "key = '279977f62f6cfd2d91cd75b889ce0c9a'  # decryptor script"
  strings: $k = { 27 99 77 f6 2f 6c fd 2d 91 cd 75 b8 89 ce 0c 9a }
  condition: $k
}

rule oem_hikvision_copyright {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "medium"
    description = "Hikvision company name as written in its copyright lines"
    reference = "domain.md §2.1, §3 (5) (H5)"
    fixture = "Copyright 2014 HangZhou Hikvision Digital Technology Co., Ltd. All Right Reserved."
    decoy = "add cameras from Hikvision"
  strings: $c = "Hangzhou Hikvision Digital Technology" nocase
  condition: $c
}

rule oem_hikvision_web_ui {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "medium"
    description = "Hikvision web UI and SDK handler paths"
    reference = "domain.md §2.1"
    fixture = "GET /doc/page/login.asp HTTP/1.1" decoy = "GET /login.asp HTTP/1.1"
  strings:
    $login = "doc/page/login.asp"
    $lang = "/SDK/webLanguage"
    $cgi = "HikCGI"
  condition: any of them
}

rule oem_hikvision_default_ip {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "medium"
    description = "Hikvision factory default address 192.0.0.64"
    reference = "domain.md §2.1"
    fixture = "ipAddress=192.0.0.64\n" decoy = "ipAddress=192.0.0.640\n"
  strings: $ip = /(^|[^0-9.])192\.0\.0\.64([^0-9]|$)/
  condition: $ip
}

rule oem_hikvision_cloud_domains {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "medium"
    description = "Hik-Connect / EZVIZ cloud domains (Hikvision's own cloud)"
    reference = "domain.md §2.1, §3"
    fixture = "https://open.ys7.com/api" decoy = "https://www.ys7.company.example/"
  strings:
    $ys7 = /[^a-z0-9]ys7\.com([^a-z.]|$)/
    $ezviz = "ezvizlife.com"
    $hik = "hik-connect.com"
  condition: any of them
}

rule oem_hikvision_hik_token {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "weak"
    description = "_HIK_ in a firmware name: Xiongmai builds carry it too (protocol support)"
    reference = "domain.md §2.1 (W)"
    fixture_path = "General_IPC_HI3516EV300_85H50AI_Nat_dss_OnvifS_HIK_V5_00_R02_20200507.bin"
    decoy_path = "General_IPC_HI3516EV300_85H50AI_Nat_dss_OnvifS_V5_00_R02_20200507.bin"
  condition: name matches /_HIK_/
}

rule oem_hikvision_protocol_emulation {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "weak"
    description = "the word Hikvision or an emulation header (JA/Juan firmware speaks its protocol)"
    reference = "domain.md §2.1 (W), §3"
    fixture = "#include \"hikvisionv10.h\"" decoy = "#include \"onvif.h\""
  strings: $w = "hikvision" nocase
  condition: $w
}

rule oem_hikvision_isapi_client {
  meta:
    vendor = "Hikvision" category = "camera-oem" weight = "weak"
    description = "ISAPI URLs: NVRs and VMSs of other makers call them too"
    reference = "domain.md §2.1"
    fixture = "/ISAPI/Streaming/channels/101/picture" decoy = "/api/Streaming/channels/101"
  strings: $i = "/ISAPI/"
  condition: $i
}
