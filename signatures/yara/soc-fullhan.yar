// Fullhan camera SoCs (FH8852/8856/8630…): domain.md §2.3.

rule soc_fullhan_chip_name {
  meta:
    vendor = "Fullhan" category = "soc" weight = "strong" country = "CN"
    description = "chip name in SDK strings and the RTOS co-processor image (FH885xV200)"
    reference = "domain.md §2.3; corpus sdk/fullhan-fh8852v200"
    model = "(fh8[0-9]{2}[0-9x](v[0-9]{3})?)"
    fixture = "\x00FH885xV200\x00" decoy = "FH88"
  strings: $c = /FH8[0-9]{2}[0-9xX]V[0-9]{3}/
  condition: $c or name matches /^rtthread_arc_FH8[0-9]{2}/
}

rule soc_fullhan_sdk {
  meta:
    vendor = "Fullhan" category = "soc" weight = "medium" country = "CN"
    description = "Fullhan DSP API and toolchain"
    reference = "domain.md §2.3"
    fixture = "\x00FH_SYS_Init\x00" decoy = "FH_SYSTEM"
  strings:
    $api = "FH_SYS_Init"
    $tc = "arm-fullhanv3-linux"
  condition: any of them
}

rule soc_fullhan_container {
  meta:
    vendor = "Fullhan" category = "soc" weight = "strong" country = "CN"
    description = "Fullhan .fls flash image"
    reference = "domain.md §1.1 (K1 fullhan_fls.ksy)"
    fixture_container = "fullhan-fls" decoy_container = "zip"
  condition: container == "fullhan-fls"
}
