// Grain Media: markers from domain.md (see each rule's reference).

rule soc_grain_media_modules {
  meta:
    vendor = "Grain Media" category = "soc" weight = "strong" country = "TW"
    description = "Grain Media ISP and codec modules (fisp328.ko, favc_enc.ko, frammap.ko)"
    reference = "domain.md §2.3"
    fixture_path = "lib/modules/favc_enc.ko" decoy_path = "lib/modules/fav.ko"
  condition: name == "fisp328.ko" or name == "favc_enc.ko" or name == "frammap.ko"
}

rule soc_grain_media_chip_name {
  meta:
    vendor = "Grain Media" category = "soc" weight = "strong" country = "TW"
    description = "GM81xx chip name, or the Grain Media container"
    reference = "domain.md §2.3, §1.1"
    model = "(gm81[0-9]{2})"
    fixture = "U-Boot for GM8136" decoy = "GM81"
  strings: $c = /GM81[0-9]{2}/
  condition: $c or container == "grain-media"
}
