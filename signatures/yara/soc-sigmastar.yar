// SigmaStar (ex-MStar) camera SoCs: domain.md §2.3. Codename → family:
// infinity6/6b0/6e → SSC32x/SSC33x, infinity3 → MSC313E (MStar).

rule soc_sigmastar_module_version {
  meta:
    vendor = "SigmaStar" category = "soc" weight = "strong" country = "CN"
    description = "Sigmastar Module mi_* version line"
    reference = "domain.md §2.3"
    fixture = "Sigmastar Module mi_sys version: project_commit.ceb04c4" decoy = "Sigmastar"
  strings: $m = "Sigmastar Module mi_"
  condition: $m
}

rule soc_sigmastar_infinity6e {
  meta:
    vendor = "SigmaStar" category = "soc" weight = "strong" country = "CN" family = "SSC33x"
    description = "infinity6e codename (SSC33x)"
    reference = "domain.md §2.3; corpus sdk/sigmastar-infinity6e"
    fixture = "\x00infinity6e\x00" decoy = "\x00infinity6\x00"
  strings: $c = "infinity6e" nocase
  condition: $c
}

rule soc_sigmastar_infinity6b0 {
  meta:
    vendor = "SigmaStar" category = "soc" weight = "strong" country = "CN" family = "SSC33x"
    description = "infinity6b0 codename (SSC333/335/337)"
    reference = "domain.md §2.3"
    fixture = "\x00infinity6b0\x00" decoy = "\x00infinity6e\x00"
  strings: $c = "infinity6b0" nocase
  condition: $c
}

rule soc_sigmastar_infinity6 {
  meta:
    vendor = "SigmaStar" category = "soc" weight = "medium" country = "CN" family = "SSC32x"
    description = "infinity6 codename (SSC323/325/327)"
    reference = "domain.md §2.3"
    fixture = "/infinity6/" decoy = "\x00infinity6e\x00"
  strings: $c = /infinity6[^a-z0-9]/
  condition: $c
}

rule soc_sigmastar_chip_name {
  meta:
    vendor = "SigmaStar" category = "soc" weight = "strong" country = "CN"
    description = "SSC chip name (ssc335, SSC337DE)"
    reference = "domain.md §6 SoC regex"
    model = "(ssc3(0k[dq]|2[357]|3[35678]|77)(de|[dqg])?)"
    fixture = "board=SSC337DE\n" decoy = "SnsSc3235Init"
  strings: $c = /\bssc3(0k[dq]|2[357]|3[35678]|77)(de|[dqg])?\b/ nocase
  condition: $c
}

rule soc_sigmastar_sdk_files {
  meta:
    vendor = "SigmaStar" category = "soc" weight = "medium" country = "CN"
    description = "MI SDK modules and libraries (mi_sys.ko, mhal.ko, libcus3a.so)"
    reference = "domain.md §2.3"
    fixture_path = "lib/modules/mi_sys.ko" decoy_path = "lib/modules/mii.ko"
  condition: name == "mi_sys.ko" or name == "mhal.ko" or name == "libcus3a.so" or name == "libmi_sys.so"
}

rule soc_mstar_infinity3 {
  meta:
    vendor = "SigmaStar" category = "soc" weight = "medium" country = "CN" family = "MSC313E"
    description = "infinity3 codename (MStar MSC313E)"
    reference = "domain.md §2.3"
    fixture = "/infinity3/" decoy = "/infinity/"
  strings: $c = /infinity3[^a-z0-9]/
  condition: $c
}
