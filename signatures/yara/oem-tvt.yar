// TVT: markers from domain.md (see each rule's reference).

rule oem_tvt_config_sync {
  meta:
    vendor = "TVT" category = "camera-oem" weight = "strong"
    description = "ConfigSyncProc, the TVT NVMS-9000 sync daemon"
    reference = "domain.md §2.1, §5 (M1 TVT_and_OEM…)"
    fixture = "/mnt/mtd/ConfigSyncProc" decoy = "/mnt/mtd/ConfigSync"
  strings: $c = "ConfigSyncProc"
  condition: $c
}

rule oem_tvt_nvms {
  meta:
    vendor = "TVT" category = "camera-oem" weight = "medium"
    description = "NVMS-9000 system type"
    reference = "domain.md §2.1"
    fixture = "systemType=\"NVMS-9000\"" decoy = "systemType=\"NVMS-90\""
  strings: $n = "NVMS-9000"
  condition: $n
}
