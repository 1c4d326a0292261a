// Hanwha: markers from domain.md (see each rule's reference).

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
