// Texas Instruments: markers from domain.md (see each rule's reference).

rule soc_ti_davinci {
  meta:
    vendor = "Texas Instruments" category = "soc" weight = "strong" country = "US" family = "DaVinci DM36x"
    description = "TI DaVinci contiguous-memory driver and UBL boot image (2010-era Hikvision/Dahua)"
    reference = "domain.md §2.3"
    fixture_path = "lib/modules/cmemk.ko" decoy_path = "lib/modules/cmem.ko"
  condition: name == "cmemk.ko" or name matches /^dm36[58]_ubl/
}
