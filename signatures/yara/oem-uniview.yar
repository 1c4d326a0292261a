// Uniview: markers from domain.md (see each rule's reference).

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
