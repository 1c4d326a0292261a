// Ingenic MIPS camera SoCs (T10…T41): domain.md §2.3.

rule soc_ingenic_isp_module {
  meta:
    vendor = "Ingenic" category = "soc" weight = "strong" country = "CN"
    description = "tx-isp-<soc> ISP driver, or SOC_<soc> in it"
    reference = "domain.md §2.3 [K]"
    model = "(t(10|20|21|23|30|31|40|41))"
    fixture = "\x00tx-isp-t31\x00" decoy = "tx-isp\x00"
  strings:
    $isp = /tx-isp-t(10|20|21|23|30|31|40|41)/
    $soc = /SOC_T(10|20|21|23|30|31|40|41)[^0-9]/
  condition: any of them
}

rule soc_ingenic_sensor_module_name {
  meta:
    vendor = "Ingenic" category = "soc" weight = "strong" country = "CN"
    description = "sensor drivers and ISP tuning files named for the SoC (sensor_gc2053_t31.ko, gc2053-t31.bin)"
    reference = "domain.md §2.2 per-SDK naming"
    model = "[_-](t(10|20|21|23|30|31|40|41))[a-z]?\\."
    fixture_path = "lib/modules/sensor_gc2053_t31.ko" decoy_path = "lib/modules/sensor_gc2053_mipi.ko"
  condition: name matches /^sensor_[a-z0-9]+_t(10|20|21|23|30|31|40|41)[a-z]?\.ko$/ or name matches /^[a-z0-9]+-t(10|20|21|23|30|31|40|41)[a-z]?\.bin$/
}

rule soc_ingenic_imp {
  meta:
    vendor = "Ingenic" category = "soc" weight = "strong" country = "CN"
    description = "Ingenic IMP media SDK (libimp.so, IMP_System_Init, /proj/sdk-lv3/src/imp/)"
    reference = "domain.md §2.3"
    fixture = "\x00IMP_System_Init\x00" decoy = "IMP_Sys"
  strings:
    $init = "IMP_System_Init"
    $path = "/proj/sdk-lv3/src/imp/"
  condition: any of them
}
