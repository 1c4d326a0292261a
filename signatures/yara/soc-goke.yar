// Goke: HiSilicon-compatible clones (GK7205V200…) and the older GK710x.
// domain.md §2.3.

rule soc_goke_api {
  meta:
    vendor = "Goke" category = "soc" weight = "strong" country = "CN"
    description = "Goke media API (GK_API_ / GK_MEDIA_IOC_)"
    reference = "domain.md §2.3"
    fixture = "\x00GK_API_SYS_Init\x00" decoy = "GK_APIS"
  strings:
    $api = "GK_API_"
    $ioc = "GK_MEDIA_IOC_"
  condition: any of them
}

rule soc_goke_chip_name {
  meta:
    vendor = "Goke" category = "soc" weight = "strong" country = "CN"
    description = "Goke chip name in module names and strings (gk7205v200)"
    reference = "domain.md §2.3, §6 SoC regex"
    model = "(gk7[0-9]{3}(v[0-9]{3})?)"
    fixture_path = "lib/modules/gk7205v200_sys.ko" decoy_path = "lib/modules/gk_sys.ko"
  strings: $c = /gk7[0-9]{3}v[0-9]{3}/ nocase
  condition: $c or name matches /^gk7[0-9]{3}(v[0-9]{3})?_/
}
