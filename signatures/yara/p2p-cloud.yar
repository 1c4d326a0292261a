// Cloud and P2P reach: domain.md §2.1 (Cloud / P2P SDK markers) and §5.

rule p2p_tutk_kalay {
  meta:
    vendor = "ThroughTek Kalay (TUTK)" category = "p2p-cloud" weight = "strong" country = "TW"
    description = "TUTK IOTC/AV libraries or their entry points"
    reference = "domain.md §2.1 P2P table; §5 CVE-2021-28372"
    fixture = "\x00IOTC_Initialize2\x00IOTC_Device_Login\x00" decoy = "IOTC_Init"
  strings:
    $init = "IOTC_Initialize2"
    $login = "IOTC_Device_Login"
    $av = "avServStart"
    $lib = "libIOTCAPIs.so"
  condition: any of them or name == "libIOTCAPIs.so" or name == "libAVAPIs.so"
}

rule p2p_cs2_pppp {
  meta:
    vendor = "CS2 Network PPPP" category = "p2p-cloud" weight = "strong" country = "CN" port = 32100
    description = "CS2 PPPP library or its entry points"
    reference = "domain.md §2.1 P2P table; §5"
    fixture = "\x00PPPP_Initialize\x00PPPP_Connect\x00" decoy = "PPP_Initialize"
  strings:
    $init = "PPPP_Initialize"
    $conn = "PPPP_Connect"
    $lib = "libPPPP_API.so"
  condition: any of them or name == "libPPPP_API.so"
}

rule p2p_ilnkp2p {
  meta:
    vendor = "Shenzhen Yunni iLnkP2P" category = "p2p-cloud" weight = "strong" country = "CN" port = 32100
    description = "iLnkP2P library (HiChip, VStarcam, Wanscam …)"
    reference = "domain.md §2.1 P2P table; §5 CVE-2019-11219"
    fixture = "libiLnkP2P.so" decoy = "libLink.so"
  strings: $l = "ilnkp2p" nocase
  condition: $l
}

rule p2p_dahua_dhp2p {
  meta:
    vendor = "Dahua DHP2P / Imou" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "Dahua P2P cloud (easy4ip, imoulife, DHP2P)"
    reference = "domain.md §2.1 P2P table; §5 CVE-2020-9501"
    fixture = "www.easy4ip.com" decoy = "easy4"
  strings:
    $e = "easy4ip" nocase
    $i = "imoulife" nocase
    $d = "DHP2P"
  condition: any of them
}

rule p2p_hik_connect {
  meta:
    vendor = "Hik-Connect / EZVIZ" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "Hikvision cloud (Hik-Connect, EZVIZ, ys7.com)"
    reference = "domain.md §2.1 P2P table"
    fixture = "dev.ys7.com" decoy = "dev.ys77.com"
  strings:
    $ys7 = /[^a-z0-9]ys7\.com([^a-z.]|$)/
    $ez = "ezvizlife.com"
    $hc = "hik-connect" nocase
  condition: any of them
}

rule p2p_xmeye {
  meta:
    vendor = "XMEye" category = "p2p-cloud" weight = "strong" country = "CN" port = 34567
    description = "Xiongmai XMEye cloud"
    reference = "domain.md §2.1 P2P table"
    fixture = "secu100.net xmeye.net" decoy = "xmeyes"
  strings:
    $x = "xmeye.net"
    $s = "secu100.net"
  condition: any of them
}

rule p2p_cloudlinks {
  meta:
    vendor = "Gwell/Yoosee CloudLinks" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "CloudLinks cloud (not Xiongmai)"
    reference = "domain.md §2.1 P2P table"
    fixture = "p2p.cloudlinks.cn" decoy = "cloudlink.example"
  strings: $c = "cloudlinks.cn"
  condition: $c
}

rule p2p_tuya {
  meta:
    vendor = "Tuya" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "Tuya IPC SDK"
    reference = "domain.md §2.1 P2P table (T2)"
    fixture = "\x00tuya_ipc_init_sdk\x00" decoy = "tuya"
  strings:
    $ipc = "tuya_ipc_"
    $p2p = "tuya_p2p_"
  condition: any of them
}

rule p2p_ajcloud {
  meta:
    vendor = "AJCloud" category = "p2p-cloud" weight = "medium" country = "CN"
    description = "AJCloud (Wansview, Cinnado, Galayou) [K]"
    reference = "domain.md §2.1 P2P table (T2 wansview.md)"
    fixture = "api.ajcloud.net" decoy = "ajcloudy"
  strings: $a = /ajcloud\.(net|com)/ nocase
  condition: $a
}
