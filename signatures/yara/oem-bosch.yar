// Bosch: markers from domain.md (see each rule's reference).

rule oem_bosch_container {
  meta:
    vendor = "Bosch" category = "camera-oem" weight = "strong"
    description = "Bosch camera firmware container"
    reference = "domain.md §1.1"
    fixture_container = "bosch-fw" decoy_container = "zip"
  condition: container == "bosch-fw"
}

rule oem_bosch_markers {
  meta:
    vendor = "Bosch" category = "camera-oem" weight = "medium"
    description = "Bosch Security Systems name, RCP+ handler [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Bosch Security Systems" decoy = "Bosch dishwasher"
  strings:
    $c = "Bosch Security Systems" nocase
    $r = "/rcp.xml?"
  condition: any of them
}
