// A multi-platform kernel (a distribution's arm64 or armmp image) and its
// configuration name the SoCs of many vendors: mainline clock and pinctrl
// drivers carry `hisilicon,hi3516cv300-crg`, `rockchip,rk3399-cru` and
// dozens more, all built into one image (Linux arch/arm64/Kconfig.platforms,
// arch/arm/Kconfig ARCH_MULTIPLATFORM). Such a file supports those SoCs; it
// does not say which one the device has. A rule with `masks` yields no hit
// of its own: it removes the file's medium and weak hits of the masked
// categories.
//
// One pattern per SoC vendor: the compatible string of its clock (or
// reset) controller, whose driver depends on that vendor's ARCH_ symbol and
// so is built only into kernels for it. Generic IP drivers (dwc2, dwc3,
// designware MMC) list many vendors' strings in every kernel and do not
// count. Five vendors' controllers make a multi-platform kernel. Strong
// hits (an SDK version naming the chip) are never masked.

rule kernel_multi_platform {
  meta:
    vendor = "Linux" category = "soc" weight = "weak" masks = "soc,image-sensor"
    description = "clock controllers of five or more SoC vendors (a multi-platform kernel)"
    reference = "Linux drivers/clk/*/Kconfig (depends on ARCH_*); Debian linux-image-arm64 and -armmp 6.1.176"
    fixture = "rockchip,rk3399-cru\x00allwinner,sun50i-a64-ccu\x00amlogic,meson-gxbb-clkc\x00nvidia,tegra210-car\x00fsl,imx8mq-ccm\x00hisilicon,hi3516cv300-crg\x00"
    decoy = "hisilicon,hi3516cv300-crg\x00brcm,bcm2835-usb\x00rockchip,rk3066-usb\x00amlogic,meson8-usb\x00st,stm32f4x9-fsotg\x00xlnx,zynqmp-dwc3\x00allwinner,sun50i-h6-dwc3\x00snps,dw-mmc\x00"
  strings:
    $v_rockchip = /rockchip,r[kv][0-9]{3,4}[a-z0-9]*-cru/
    $v_allwinner = /allwinner,sun[0-9]{1,2}i-[a-z0-9]+-(r-)?ccu/
    $v_amlogic = /amlogic,[a-z0-9-]+-clkc/
    $v_tegra = /nvidia,tegra[0-9]+-car/
    $v_imx = /fsl,imx[0-9a-z]+-ccm/
    $v_qcom = /qcom,gcc-[a-z0-9]+/
    $v_exynos = /samsung,exynos[0-9]+[a-z0-9-]*-clock/
    $v_bcm = "brcm,bcm2835-cprman"
    $v_mvebu = /marvell,armada-[0-9a-z]+-(core|gating)-clock/
    $v_mediatek = /mediatek,mt[0-9]+-topckgen/
    $v_renesas = /renesas,r8a[0-9a-z]+-cpg-mssr/
    $v_omap = /ti,omap[0-9]-prm/
    $v_zynqmp = "xlnx,zynqmp-clk"
    $v_hisilicon = /hisilicon,hi3[0-9]{3}[a-z0-9]*-crg/
    $v_stm32 = /st,stm32[a-z0-9]*-rcc/
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
