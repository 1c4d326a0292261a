// A multi-platform kernel (a distribution's arm64 or armmp image) and its
// configuration name the SoCs of many vendors: mainline clock and pinctrl
// drivers carry `hisilicon,hi3516cv300-crg`, `rockchip,rk3399-cru` and
// dozens more, all built into one image (Linux arch/arm64/Kconfig.platforms,
// arch/arm/Kconfig ARCH_MULTIPLATFORM). Such a file supports those SoCs; it
// does not say which one the device has. A rule with `masks` yields no hit
// of its own: it removes the file's hits of the masked categories.
//
// One string per SoC vendor family, so five matches are five vendors. A
// vendor's board kernel names its own family (and generic IP such as
// `snps,dw-mmc`, not listed), far below five.

rule kernel_multi_platform {
  meta:
    vendor = "Linux" category = "soc" weight = "weak" masks = "soc,image-sensor"
    description = "device-tree compatible strings of five or more SoC vendors (a multi-platform kernel)"
    reference = "Linux arch/arm64/Kconfig.platforms; Debian linux-image-arm64 and -armmp"
    fixture = "rockchip,rk3399-cru\x00allwinner,sun50i-a64-ccu\x00amlogic,meson-gxbb-clkc\x00nvidia,tegra210-car\x00fsl,imx8mq-ccm\x00hisilicon,hi3516cv300-crg\x00"
    decoy = "hisilicon,hi3516cv300-crg\x00hisilicon,hi3516cv300-sysctrl\x00snps,dw-mmc\x00arm,pl011\x00arm,cortex-a7-gic\x00"
  strings:
    $v_rockchip = "rockchip,rk3"
    $v_allwinner = "allwinner,sun"
    $v_amlogic = "amlogic,meson"
    $v_tegra = "nvidia,tegra"
    $v_imx = "fsl,imx"
    $v_qcom = "qcom,gcc-"
    $v_exynos = "samsung,exynos"
    $v_bcm = "brcm,bcm2835"
    $v_mvebu = "marvell,armada"
    $v_mediatek = "mediatek,mt"
    $v_renesas = "renesas,r8a"
    $v_omap = "ti,omap"
    $v_zynq = "xlnx,zynq"
    $v_hisilicon = "hisilicon,hi3"
    $v_stm32 = "st,stm32"
  condition: 5 of ($v_*)
}

rule kernel_multi_platform_config {
  meta:
    vendor = "Linux" category = "soc" weight = "weak" masks = "soc,image-sensor"
    description = "kernel configuration selecting five or more SoC vendors' platforms"
    reference = "Linux arch/arm64/Kconfig.platforms; Debian /boot/config-*-arm64 and -armmp"
    fixture = "CONFIG_ARCH_SUNXI=y\nCONFIG_ARCH_BCM2835=y\nCONFIG_ARCH_HISI=y\nCONFIG_ARCH_MESON=y\nCONFIG_ARCH_MXC=y\nCONFIG_ARCH_ROCKCHIP=y\nCONFIG_COMMON_CLK_HI3516CV300=y\n"
    decoy = "CONFIG_ARCH_HISI=y\nCONFIG_ARCH_HI3516CV300=y\nCONFIG_ARCH_MULTIPLATFORM=y\n# CONFIG_ARCH_ROCKCHIP is not set\n# CONFIG_ARCH_SUNXI is not set\n# CONFIG_ARCH_MESON is not set\n# CONFIG_ARCH_MXC is not set\n# CONFIG_ARCH_TEGRA is not set\n"
  strings:
    $c_rockchip = "CONFIG_ARCH_ROCKCHIP=y"
    $c_sunxi = "CONFIG_ARCH_SUNXI=y"
    $c_meson = "CONFIG_ARCH_MESON=y"
    $c_tegra = "CONFIG_ARCH_TEGRA=y"
    $c_mxc = "CONFIG_ARCH_MXC=y"
    $c_qcom = "CONFIG_ARCH_QCOM=y"
    $c_exynos = "CONFIG_ARCH_EXYNOS=y"
    $c_bcm = "CONFIG_ARCH_BCM2835=y"
    $c_mvebu = "CONFIG_ARCH_MVEBU=y"
    $c_mediatek = "CONFIG_ARCH_MEDIATEK=y"
    $c_renesas = "CONFIG_ARCH_RENESAS=y"
    $c_omap = "CONFIG_ARCH_OMAP2PLUS=y"
    $c_zynqmp = "CONFIG_ARCH_ZYNQMP=y"
    $c_hisi = "CONFIG_ARCH_HISI=y"
    $c_stm32 = "CONFIG_ARCH_STM32=y"
  condition: 5 of ($c_*)
}
