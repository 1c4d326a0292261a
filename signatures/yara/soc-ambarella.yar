// Ambarella: markers from domain.md (see each rule's reference).

rule soc_ambarella {
  meta:
    vendor = "Ambarella" category = "soc" weight = "strong" country = "US"
    description = "Ambarella firmware container or IAV driver"
    reference = "domain.md §2.3, §1.1"
    fixture_container = "ambarella-romfs" decoy_container = "romfs"
  strings: $iav = "/dev/iav"
  condition: $iav or container == "ambarella-romfs"
}
