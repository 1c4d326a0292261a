// Hichip: markers from domain.md (see each rule's reference).

rule oem_hichip_markers {
  meta:
    vendor = "Hichip" category = "camera-oem" weight = "medium"
    description = "Hichip / CamHi names"
    reference = "domain.md §2.1 (X3)"
    fixture = "HiChip IPCAM" decoy = "HiSilicon IPCAM"
  strings:
    $h = "hichip" nocase
    $c = "camhipro" nocase
  condition: any of them
}
