// Axis: markers from domain.md (see each rule's reference).

rule oem_axis_vapix {
  meta:
    vendor = "Axis" category = "camera-oem" weight = "medium"
    description = "VAPIX handler path /axis-cgi/ [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "/axis-cgi/param.cgi?action=list" decoy = "/cgi-bin/param.cgi"
  strings: $a = "/axis-cgi/"
  condition: $a
}

rule oem_axis_company {
  meta:
    vendor = "Axis" category = "camera-oem" weight = "medium"
    description = "Axis Communications company name [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Copyright (C) Axis Communications AB" decoy = "axis communications parameter"
  strings: $c = "Axis Communications AB" nocase
  condition: $c
}
