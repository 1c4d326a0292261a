// AJCloud: markers from domain.md (see each rule's reference).

rule p2p_ajcloud {
  meta:
    vendor = "AJCloud" category = "p2p-cloud" weight = "medium" country = "CN"
    description = "AJCloud (Wansview, Cinnado, Galayou) [K]"
    reference = "domain.md §2.1 P2P table (T2 wansview.md)"
    fixture = "api.ajcloud.net" decoy = "ajcloudy"
  strings: $a = /ajcloud\.(net|com)/ nocase
  condition: $a
}
