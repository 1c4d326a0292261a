// Backdoor and vulnerability indicators detectable from firmware:
// domain.md §5. Each names the vendor whose firmware carries it.

rule backdoor_xiongmai_9530_helper {
  meta:
    vendor = "Xiongmai" category = "backdoor-indicator" weight = "strong" port = 9530
    description = "macGuarder/dvrHelper: TCP 9530 enables telnet (Yarmak 2020)"
    reference = "domain.md §5 (P3)"
    fixture_path = "usr/bin/dvrHelper" decoy_path = "usr/bin/helper"
  condition: name == "macGuarder" or name == "dvrHelper"
}

rule backdoor_xiongmai_xc3511 {
  meta:
    vendor = "Xiongmai" category = "backdoor-indicator" weight = "strong" port = 23
    description = "root password xc3511 (crypt absxcfbgXtb3o), a Mirai credential"
    reference = "domain.md §5 (Mirai scanner.c)"
    fixture = "root:absxcfbgXtb3o:0:0::/root:/bin/sh\n" decoy = "root:x:0:0::/root:/bin/sh\n"
  strings: $h = "absxcfbgXtb3o"
  condition: $h
}

rule backdoor_xiongmai_tluafed {
  meta:
    vendor = "Xiongmai" category = "backdoor-indicator" weight = "strong"
    description = "hidden account default/tluafed (CVE-2018-17915…17919)"
    reference = "domain.md §5 (P2)"
    fixture = "\x00default\x00tluafed\x00" decoy = "default"
  strings: $t = "tluafed"
  condition: $t
}

rule vuln_xiongmai_uc_httpd {
  meta:
    vendor = "Xiongmai" category = "backdoor-indicator" weight = "medium"
    description = "uc-httpd web server: path traversal CVE-2017-7577"
    reference = "domain.md §5"
    fixture = "Server: uc-httpd 1.0.0" decoy = "Server: httpd"
  strings: $u = "uc-httpd"
  condition: $u
}

rule vuln_hikvision_weblanguage {
  meta:
    vendor = "Hikvision" category = "backdoor-indicator" weight = "medium"
    description = "webLanguage handler: CVE-2021-36260 command injection in builds before Sept 2021 (check the build date)"
    reference = "domain.md §5"
    fixture = "PUT /SDK/webLanguage" decoy = "/SDK/language"
  strings: $w = "/SDK/webLanguage"
  condition: $w
}

rule vuln_hikvision_auth_bypass {
  meta:
    vendor = "Hikvision" category = "backdoor-indicator" weight = "medium"
    description = "configurationFile download handler: CVE-2017-7921 auth bypass on V5.2–V5.4 builds"
    reference = "domain.md §5 (C1)"
    fixture = "/System/configurationFile?auth=" decoy = "/System/configuration"
  strings: $c = "System/configurationFile"
  condition: $c
}

rule vuln_dahua_loopback_login {
  meta:
    vendor = "Dahua" category = "backdoor-indicator" weight = "medium"
    description = "NetKeyboard client type in global.login: CVE-2021-33044 auth bypass before June 2021"
    reference = "domain.md §5 (M1)"
    fixture = "\"clientType\":\"NetKeyboard\"" decoy = "\"clientType\":\"Web3.0\""
  strings: $k = "NetKeyboard"
  condition: $k
}

rule vuln_tvt_nvms_backdoor {
  meta:
    vendor = "TVT" category = "backdoor-indicator" weight = "strong" port = 4567
    description = "NVMS-9000 hard-coded API on TCP 4567 (builds before March 2018)"
    reference = "domain.md §5 (M1 TVT doc)"
    fixture = "ConfigSyncProc NVMS-9000" decoy = "NVMS-9000"
  strings:
    $c = "ConfigSyncProc"
    $n = "NVMS-9000"
  condition: $c and $n
}

rule vuln_uniview_main_cgi {
  meta:
    vendor = "Uniview" category = "backdoor-indicator" weight = "medium"
    description = "main-cgi cmd handler: unauthenticated config export / command injection (2017)"
    reference = "domain.md §5 (M1 Uniview RCE PoC)"
    fixture = "/cgi-bin/main-cgi?json=" decoy = "/cgi-bin/main.cgi"
  strings: $m = "/cgi-bin/main-cgi"
  condition: $m
}

rule vuln_tutk_kalay {
  meta:
    vendor = "ThroughTek Kalay (TUTK)" category = "backdoor-indicator" weight = "medium"
    description = "TUTK Kalay SDK: CVE-2021-28372 / CVE-2021-32934 unless ≥3.1.10 with AuthKey and DTLS"
    reference = "domain.md §5 (P21, ICSA-21-229-01)"
    fixture = "\x00IOTC_Device_Login\x00" decoy = "\x00IOTC_Device_Login\x00IOTC_Device_Login_By_AuthKey\x00"
  strings:
    $login = "IOTC_Device_Login\x00"
    $auth = "AuthKey"
  condition: $login and not $auth
}

rule vuln_cs2_pppp {
  meta:
    vendor = "CS2 Network PPPP" category = "backdoor-indicator" weight = "medium" port = 32100
    description = "CS2 PPPP / iLnkP2P: device enumeration and MITM (CVE-2019-11219/11220, CVE-2020-9525/9526)"
    reference = "domain.md §5 (P22)"
    fixture = "\x00PPPP_Initialize\x00" decoy = "PPP_Initialize"
  strings: $p = "PPPP_Initialize"
  condition: $p
}

rule vuln_dahua_p2p_keys {
  meta:
    vendor = "Dahua" category = "backdoor-indicator" weight = "medium"
    description = "hard-coded DHP2P cloud keys (CVE-2020-9501)"
    reference = "domain.md §5 (M1)"
    fixture = "\x00poiuytrewq\x00easy4ip" decoy = "easy4ip"
  strings: $k = "poiuytrewq"
  condition: $k
}
