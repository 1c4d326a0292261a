// Shenzhen Yunni iLnkP2P: markers from domain.md (see each rule's reference).

rule p2p_ilnkp2p {
  meta:
    vendor = "Shenzhen Yunni iLnkP2P" category = "p2p-cloud" weight = "strong" country = "CN" port = 32100
    description = "iLnkP2P library (HiChip, VStarcam, Wanscam …)"
    reference = "domain.md §2.1 P2P table; §5 CVE-2019-11219"
    fixture = "libiLnkP2P.so" decoy = "libLink.so"
  strings: $l = "ilnkp2p" nocase
  condition: $l
}
