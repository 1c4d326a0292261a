// Tuya: markers from domain.md (see each rule's reference).

rule p2p_tuya {
  meta:
    vendor = "Tuya" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "Tuya IPC SDK"
    reference = "domain.md §2.1 P2P table (T2)"
    fixture = "\x00tuya_ipc_init_sdk\x00" decoy = "tuya"
  strings:
    $ipc = "tuya_ipc_"
    $p2p = "tuya_p2p_"
  condition: any of them
}
