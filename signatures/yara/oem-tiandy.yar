// Tiandy: markers from domain.md (see each rule's reference).

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
