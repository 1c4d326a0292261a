// HiSilicon (Huawei) camera SoCs: domain.md §2.3. A HiSilicon SoC says
// nothing about the camera brand (§2.3 caveat): these are `soc` hits only.

rule soc_hisilicon_mpp_version {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "strong" country = "CN"
    description = "MPP SDK version string naming the chip"
    reference = "domain.md §2.3 ([SYS] Version: [Hi3516EV200_MPP_V…])"
    model = "hi(35[0-9]{2}[a-z]{1,2}v[0-9]{3})" model_format = "Hi{}"
    fixture = "HI_VERSION=Hi3516EV200_MPP_V1.0.1.2 B030 Release" decoy = "HI_VERSION=V1.0.1.2 Release"
  strings: $v = /hi35[0-9]{2}[a-z]{1,2}v[0-9]{3}_MPP_V/ nocase
  condition: $v
}

rule soc_hisilicon_module_name {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "strong" country = "CN"
    description = "SDK kernel module named after the chip (hi3516ev200_sys.ko)"
    reference = "domain.md §2.3 (O1)"
    model = "hi(35[0-9]{2}[a-z]{1,2}v[0-9]{3})" model_format = "Hi{}"
    fixture_path = "lib/modules/hi3516ev200_sys.ko" decoy_path = "lib/modules/hi_sys.ko"
  condition: name matches /^hi35[0-9]{2}[a-z]{1,2}v[0-9]{3}_[a-z0-9_]+\.ko$/
}

rule soc_hisilicon_chip_name {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "medium" country = "CN"
    description = "chip name in SDK strings (hi3516ev200)"
    reference = "domain.md §6 SoC regex"
    model = "hi(35[0-9]{2}[a-z]{1,2}v[0-9]{3})" model_format = "Hi{}"
    fixture = "\x00hi3516ev200\x00" decoy = "hi35xx"
  strings: $c = /hi35[0-9]{2}[a-z]{1,2}v[0-9]{3}/ nocase
  condition: $c
}

rule soc_hisilicon_sdk_libraries {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "medium" country = "CN"
    description = "HiSilicon media SDK files (hi_osal.ko, lib_hiae.so, libmpi.so)"
    reference = "domain.md §2.3 (O1)"
    fixture_path = "lib/lib_hiae.so" decoy_path = "lib/libhiredis.so"
  condition: name == "hi_osal.ko" or name == "lib_hiae.so" or name == "lib_hiawb.so" or name == "hi_sensor_i2c.ko"
}

rule soc_hisilicon_boot_logo {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "strong" country = "CN"
    description = "U-Boot logo magic of HiSilicon boards"
    reference = "domain.md §2.3"
    fixture = "HISILICON LOGO MAGIC" decoy = "HISILICON LOGO"
  strings: $logo = "HISILICON LOGO MAGIC"
  condition: $logo
}

rule soc_hisilicon_device_tree {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "medium" country = "CN"
    description = "device-tree compatible strings (mainline clock drivers of arm64 kernels carry them too)"
    reference = "domain.md §2.3"
    model = "hi(35[0-9]{2}[a-z0-9]*)" model_format = "Hi{}"
    fixture = "compatible = \"hisilicon,hi3516cv300-crg\"" decoy = "hisilicon,hip07"
  strings: $dt = /hisilicon,hi35[0-9]{2}[a-z0-9]*/
  condition: $dt
}

rule soc_hisilicon_toolchain {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "medium" country = "CN"
    description = "HiSilicon GCC toolchain tag"
    reference = "domain.md §2.3 (gcc (Hisilicon_v300))"
    fixture = "GCC: (Hisilicon_v300) 4.8.3 20131202" decoy = "GCC: (Buildroot) 4.8.3"
  strings: $t = /\(Hisilicon_v[0-9]{3}\)/
  condition: $t
}
