// Camera OEMs with fewer public markers: TVT, Uniview, Tiandy, Huawei,
// Reolink, Foscam, Hichip, Hanwha, Axis, Bosch. domain.md §2.1, §5; [K]
// marks markers from general knowledge rather than a cited source.

rule oem_tvt_config_sync {
  meta:
    vendor = "TVT" category = "camera-oem" weight = "strong"
    description = "ConfigSyncProc, the TVT NVMS-9000 sync daemon"
    reference = "domain.md §2.1, §5 (M1 TVT_and_OEM…)"
    fixture = "/mnt/mtd/ConfigSyncProc" decoy = "/mnt/mtd/ConfigSync"
  strings: $c = "ConfigSyncProc"
  condition: $c
}

rule oem_tvt_nvms {
  meta:
    vendor = "TVT" category = "camera-oem" weight = "medium"
    description = "NVMS-9000 system type"
    reference = "domain.md §2.1"
    fixture = "systemType=\"NVMS-9000\"" decoy = "systemType=\"NVMS-90\""
  strings: $n = "NVMS-9000"
  condition: $n
}

rule oem_uniview_main_cgi {
  meta:
    vendor = "Uniview" category = "camera-oem" weight = "medium"
    description = "Uniview web handler /cgi-bin/main-cgi"
    reference = "domain.md §2.1 (M1 Uniview RCE PoC)"
    fixture = "/cgi-bin/main-cgi?json={\"cmd\":255}" decoy = "/cgi-bin/main.cgi"
  strings: $m = "/cgi-bin/main-cgi"
  condition: $m
}

rule oem_uniview_company {
  meta:
    vendor = "Uniview" category = "camera-oem" weight = "medium"
    description = "Uniview company name [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Zhejiang Uniview Technologies Co., Ltd." decoy = "Uniview-compatible"
  strings: $c = "Uniview Technologies" nocase
  condition: $c
}

rule oem_tiandy_company {
  meta:
    vendor = "Tiandy" category = "camera-oem" weight = "medium"
    description = "Tiandy company name [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Tiandy Technologies Co., Ltd." decoy = "Tiandy"
  strings: $c = "Tiandy Technologies" nocase
  condition: $c
}

rule oem_tiandy_domain {
  meta:
    vendor = "Tiandy" category = "camera-oem" weight = "medium"
    description = "Tiandy web domain [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "http://www.tiandy.com/" decoy = "http://www.tiandyx.example/"
  strings: $d = "tiandy.com" nocase
  condition: $d
}

rule oem_huawei_holosens {
  meta:
    vendor = "Huawei" category = "camera-oem" weight = "medium"
    description = "HoloSens, Huawei's camera line and cloud [K]"
    reference = "domain.md §3 (Huawei → HiSilicon), [K]"
    fixture = "HoloSens SDC" decoy = "Holo Sense"
  strings: $h = "HoloSens"
  condition: $h
}

rule oem_huawei_company {
  meta:
    vendor = "Huawei" category = "camera-oem" weight = "weak"
    description = "Huawei company name: HiSilicon SDK libraries (libsecurec) carry it too"
    reference = "domain.md §2.3 caveat"
    fixture = "Copyright (c) Huawei Technologies Co., Ltd. 2014-2018" decoy = "Copyright (c) HiSilicon"
  strings: $c = "Huawei Technologies" nocase
  condition: $c
}

rule oem_reolink_container {
  meta:
    vendor = "Reolink" category = "camera-oem" weight = "strong"
    description = "Reolink PAK update container"
    reference = "domain.md §1.1, §2.1 (R1, R2)"
    fixture_container = "reolink-pak" decoy_container = "zip"
  condition: container == "reolink-pak"
}

rule oem_reolink_dvr_xml {
  meta:
    vendor = "Reolink" category = "camera-oem" weight = "strong"
    description = "dvr.xml with board_type and display_type_info"
    reference = "domain.md §2.1 (R2)"
    fixture_path = "mnt/app/dvr.xml" fixture = "<board_type>IPC_51516M5M</board_type><display_type_info>RLC-410</display_type_info>"
    decoy_path = "mnt/app/dvr.xml" decoy = "<board_type>x</board_type>"
  strings:
    $board = "board_type"
    $display = "display_type_info"
  condition: name == "dvr.xml" and $board and $display
}

rule oem_reolink_word {
  meta:
    vendor = "Reolink" category = "camera-oem" weight = "medium"
    description = "REOLINK in names and strings (PAK names embed it)"
    reference = "domain.md §2.1 (R2)"
    fixture = "IPC_51516M5M.2356_21031803.RLC-410-5MP.OV05A10.5MP.REOLINK.pak" decoy = "REOLIN"
  strings: $r = "reolink" nocase
  condition: $r
}

rule oem_foscam_container {
  meta:
    vendor = "Foscam" category = "camera-oem" weight = "medium"
    description = "Foscam OpenSSL-salted update (the format is not Foscam-only)"
    reference = "domain.md §2.1 (M1 decrypt-foscam.py)"
    fixture_container = "openssl-salted" decoy_container = "zip"
  condition: container == "openssl-salted"
}

rule oem_foscam_company {
  meta:
    vendor = "Foscam" category = "camera-oem" weight = "medium"
    description = "Foscam company name and domains [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Shenzhen Foscam Intelligent Technology" decoy = "Foscamera"
  strings:
    $c = "Foscam Intelligent" nocase
    $d = "foscam.com" nocase
    $m = "myfoscam" nocase
  condition: any of them
}

rule oem_hichip_markers {
  meta:
    vendor = "Hichip" category = "camera-oem" weight = "medium"
    description = "Hichip / CamHi names"
    reference = "domain.md §2.1 (X3)"
    fixture = "HiChip IPCAM" decoy = "HiSilicon IPCAM"
  strings:
    $h = "hichip" nocase
    $c = "camhipro" nocase
  condition: any of them
}

rule oem_hanwha_sunapi {
  meta:
    vendor = "Hanwha" category = "camera-oem" weight = "medium"
    description = "SUNAPI handler path /stw-cgi/ [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "/stw-cgi/system.cgi?msubmenu=deviceinfo" decoy = "/cgi-bin/system.cgi"
  strings: $s = "/stw-cgi/"
  condition: $s
}

rule oem_hanwha_company {
  meta:
    vendor = "Hanwha" category = "camera-oem" weight = "medium"
    description = "Hanwha Techwin / Hanwha Vision / Samsung Techwin company names [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Copyright Hanwha Vision Co., Ltd." decoy = "Hanwha Group fan site"
  strings:
    $t = "Hanwha Techwin" nocase
    $v = "Hanwha Vision" nocase
    $s = "Samsung Techwin" nocase
  condition: any of them
}

rule oem_axis_vapix {
  meta:
    vendor = "Axis" category = "camera-oem" weight = "medium"
    description = "VAPIX handler path /axis-cgi/ [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "/axis-cgi/param.cgi?action=list" decoy = "/cgi-bin/param.cgi"
  strings: $a = "/axis-cgi/"
  condition: $a
}

rule oem_axis_company {
  meta:
    vendor = "Axis" category = "camera-oem" weight = "medium"
    description = "Axis Communications company name [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Copyright (C) Axis Communications AB" decoy = "axis communications parameter"
  strings: $c = "Axis Communications AB" nocase
  condition: $c
}

rule oem_bosch_container {
  meta:
    vendor = "Bosch" category = "camera-oem" weight = "strong"
    description = "Bosch camera firmware container"
    reference = "domain.md §1.1"
    fixture_container = "bosch-fw" decoy_container = "zip"
  condition: container == "bosch-fw"
}

rule oem_bosch_markers {
  meta:
    vendor = "Bosch" category = "camera-oem" weight = "medium"
    description = "Bosch Security Systems name, RCP+ handler [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Bosch Security Systems" decoy = "Bosch dishwasher"
  strings:
    $c = "Bosch Security Systems" nocase
    $r = "/rcp.xml?"
  condition: any of them
}
