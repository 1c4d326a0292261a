// Dahua (and Imou, Amcrest, Lorex, CP Plus): domain.md §2.1 and §3.

rule oem_dahua_container {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "strong"
    description = "DH package (zip with a DH magic)"
    reference = "domain.md §1.3, §3 (1)"
    fixture_container = "dahua-zip" fixture_header = "install_vendor=General"
    decoy_container = "zip"
  condition: container == "dahua-zip"
}

rule oem_dahua_proc {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "strong"
    description = "/proc/dahua/ kernel interface (bootpara, sysmem)"
    reference = "domain.md §2.1 (D4)"
    fixture = "open(\"/proc/dahua/bootpara\")" decoy = "/proc/dahuang/x"
  strings: $p = "/proc/dahua/"
  condition: $p
}

rule oem_dahua_sonia {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "strong"
    description = "sonia, the Dahua IPC main application"
    reference = "domain.md §2.1 (D4)"
    fixture_path = "usr/bin/sonia" decoy_path = "usr/bin/sonic"
  condition: name == "sonia"
}

rule oem_dahua_dvr_markers {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "strong"
    description = "DahuaExec / PTZ_dahuaParse in DVR and XVR applications"
    reference = "domain.md §2.1 (P5)"
    fixture = "\x00DahuaExec\x00" decoy = "DahuaExecutive summary"
  strings:
    $exec = "DahuaExec\x00"
    $ptz = "PTZ_dahuaParse"
  condition: any of them
}

rule oem_dahua_init_script {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "strong"
    description = "/etc/init.d/S99dh start script, dhboot"
    reference = "domain.md §2.1"
    fixture_path = "etc/init.d/S99dh" decoy_path = "etc/init.d/S99dhcp"
  condition: path matches /(^|\/)etc\/init\.d\/S99dh$/ or name == "dhboot"
}

rule oem_dahua_support_domains {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "medium"
    description = "Dahua support mail and DDNS domains"
    reference = "domain.md §2.1 (P5)"
    fixture = "support_rpwd@global.dahuatech.com" decoy = "dahuatechnology fan club"
  strings:
    $mail = "dahuatech.com"
    $ddns = "dahuaddns.com"
    $quick = "quickddns.com"
  condition: any of them
}

rule oem_dahua_company {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "medium"
    description = "Dahua company name"
    reference = "domain.md §4"
    fixture = "Copyright Zhejiang Dahua Technology Co., Ltd." decoy = "works with Dahua cameras"
  strings: $c = "Zhejiang Dahua Technology" nocase
  condition: $c
}

rule oem_dahua_rpc2 {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "medium"
    description = "Dahua JSON-RPC web handlers"
    reference = "domain.md §2.1"
    fixture = "POST /RPC2_Login" decoy = "POST /RPC_Login"
  strings:
    $login = "/RPC2_Login"
    $core = "jsCore/rpcCore.js"
  condition: any of them
}

rule oem_dahua_default_ip {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "medium"
    description = "Dahua factory default address 192.168.1.108"
    reference = "domain.md §2.1"
    fixture = "DefaultIP=192.168.1.108\n" decoy = "DefaultIP=192.168.1.1080\n"
  strings: $ip = /(^|[^0-9.])192\.168\.1\.108([^0-9]|$)/
  condition: $ip
}

rule oem_dahua_p2p_key {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "medium"
    description = "3DES pre-shared key of the Dahua P2P protocol"
    reference = "domain.md §2.1 (M1 Dahua-3DES-IMOU-PoC)"
    fixture = "\x00poiuytrewq\x00" decoy = "qwertyuiop"
  strings: $k = "poiuytrewq"
  condition: $k
}

rule oem_dahua_word {
  meta:
    vendor = "Dahua" category = "camera-oem" weight = "weak"
    description = "the word Dahua: NVRs of other makers list it as a protocol"
    reference = "domain.md §3"
    fixture = "protocol=DAHUA" decoy = "protocol=ONVIF"
  strings: $w = "dahua" nocase
  condition: $w
}
