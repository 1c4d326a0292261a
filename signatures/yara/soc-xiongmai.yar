// Xiongmai: markers from domain.md (see each rule's reference).

rule soc_xiongmai_modules {
  meta:
    vendor = "Xiongmai" category = "soc" weight = "strong" country = "CN"
    description = "Xiongmai SoC kernel modules and ISP library (xm530_isp.ko, libisp_XM530.so)"
    reference = "domain.md §2.3"
    model = "(xm5[0-9]0)"
    fixture_path = "lib/modules/xm530_isp.ko" decoy_path = "lib/modules/xm_isp.ko"
  condition: name matches /^xm5[0-9]0_[a-z0-9]+\.ko$/ or name matches /^lib[a-z]+_XM5[0-9]0\.so$/
}
