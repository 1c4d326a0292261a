// Other camera SoC vendors: Novatek, Xiongmai, Rockchip, Allwinner,
// Grain Media, Anyka, Ambarella, TI DaVinci. domain.md §2.3.

rule soc_novatek_hdal {
  meta:
    vendor = "Novatek" category = "soc" weight = "strong" country = "TW"
    description = "Novatek HDAL media layer and nvtmpp device"
    reference = "domain.md §2.3"
    model = "(n[at][0-9]{5})"
    fixture = "HDAL: Version: v1.01.002" decoy = "HDAL"
  strings:
    $hdal = "HDAL: Version"
    $mpp = "/dev/nvtmpp"
  condition: any of them
}

rule soc_novatek_chip_name {
  meta:
    vendor = "Novatek" category = "soc" weight = "medium" country = "TW"
    description = "Novatek chip names and device-tree vendor"
    reference = "domain.md §6 SoC regex"
    model = "(n[at][0-9]{5})"
    fixture = "compatible = \"novatek,nvt-na51055\"" decoy = "novatek"
  strings:
    $dt = "novatek,"
    $chip = /\bNT9[0-9]{4}/
  condition: any of them
}

rule soc_xiongmai_modules {
  meta:
    vendor = "Xiongmai" category = "soc" weight = "strong" country = "CN"
    description = "Xiongmai SoC kernel modules and ISP library (xm530_isp.ko, libisp_XM530.so)"
    reference = "domain.md §2.3"
    model = "(xm5[0-9]0)"
    fixture_path = "lib/modules/xm530_isp.ko" decoy_path = "lib/modules/xm_isp.ko"
  condition: name matches /^xm5[0-9]0_[a-z0-9]+\.ko$/ or name matches /^lib[a-z]+_XM5[0-9]0\.so$/
}

rule soc_rockchip_media {
  meta:
    vendor = "Rockchip" category = "soc" weight = "strong" country = "CN"
    description = "Rockchip media stack (RK_MPI_, rkaiq, mpp)"
    reference = "domain.md §2.3"
    fixture = "\x00RK_MPI_SYS_Init\x00" decoy = "RK_MP"
  strings:
    $mpi = "RK_MPI_"
    $aiq = "librkaiq.so"
    $mpp = "librockchip_mpp.so"
  condition: any of them
}

rule soc_rockchip_chip_name {
  meta:
    vendor = "Rockchip" category = "soc" weight = "medium" country = "CN"
    description = "Rockchip vision SoC names (RV1106, RV1126)"
    reference = "domain.md §6 SoC regex"
    model = "(rv11[0-9]{2})"
    fixture = "rockchip,rv1106" decoy = "rockchip"
  strings: $c = /rockchip,rv11[0-9]{2}/ nocase
  condition: $c
}

rule soc_allwinner_mpp {
  meta:
    vendor = "Allwinner" category = "soc" weight = "strong" country = "CN"
    description = "Allwinner media API (AW_MPI_)"
    reference = "domain.md §2.3"
    fixture = "\x00AW_MPI_VI_CreateVipp\x00" decoy = "AW_MP"
  strings: $m = "AW_MPI_"
  condition: $m
}

rule soc_allwinner_dt {
  meta:
    vendor = "Allwinner" category = "soc" weight = "medium" country = "CN"
    description = "Allwinner device-tree vendor"
    reference = "domain.md §2.3 [K]"
    model = "allwinner,sun[0-9a-z]+-(v[0-9]{1,3}[a-z]?)"
    fixture = "allwinner,sun8i-v3s" decoy = "allwinner"
  strings: $dt = /allwinner,sun[0-9]+[a-z]+[0-9]*-/
  condition: $dt
}

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

rule soc_anyka {
  meta:
    vendor = "Anyka" category = "soc" weight = "strong" country = "CN"
    description = "Anyka AK39xx chip names"
    reference = "domain.md §2.3 [K]"
    model = "(ak39[0-9]{2}[a-z0-9]*)"
    fixture = "anyka ak3918ev200" decoy = "ak47"
  strings: $c = /ak39[0-9]{2}/ nocase
  condition: $c
}

rule soc_ambarella {
  meta:
    vendor = "Ambarella" category = "soc" weight = "strong" country = "US"
    description = "Ambarella firmware container or IAV driver"
    reference = "domain.md §2.3, §1.1"
    fixture_container = "ambarella-romfs" decoy_container = "romfs"
  strings: $iav = "/dev/iav"
  condition: $iav or container == "ambarella-romfs"
}

rule soc_ti_davinci {
  meta:
    vendor = "Texas Instruments" category = "soc" weight = "strong" country = "US" family = "DaVinci DM36x"
    description = "TI DaVinci contiguous-memory driver and UBL boot image (2010-era Hikvision/Dahua)"
    reference = "domain.md §2.3"
    fixture_path = "lib/modules/cmemk.ko" decoy_path = "lib/modules/cmem.ko"
  condition: name == "cmemk.ko" or name matches /^dm36[58]_ubl/
}
