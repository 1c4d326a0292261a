// CS2 Network PPPP: markers from domain.md (see each rule's reference).

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
