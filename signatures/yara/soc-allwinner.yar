// Allwinner: markers from domain.md (see each rule's reference).

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
