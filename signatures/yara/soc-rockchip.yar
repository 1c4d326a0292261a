// Rockchip: markers from domain.md (see each rule's reference).

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
