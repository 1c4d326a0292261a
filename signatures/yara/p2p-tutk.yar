// ThroughTek Kalay (TUTK): markers from domain.md (see each rule's reference).

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
