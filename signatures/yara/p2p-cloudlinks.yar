// Gwell/Yoosee CloudLinks: markers from domain.md (see each rule's reference).

rule p2p_cloudlinks {
  meta:
    vendor = "Gwell/Yoosee CloudLinks" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "CloudLinks cloud (not Xiongmai)"
    reference = "domain.md §2.1 P2P table"
    fixture = "p2p.cloudlinks.cn" decoy = "cloudlink.example"
  strings: $c = "cloudlinks.cn"
  condition: $c
}
