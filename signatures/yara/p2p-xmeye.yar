// XMEye: markers from domain.md (see each rule's reference).

rule p2p_xmeye {
  meta:
    vendor = "XMEye" category = "p2p-cloud" weight = "strong" country = "CN" port = 34567
    description = "Xiongmai XMEye cloud"
    reference = "domain.md §2.1 P2P table"
    fixture = "secu100.net xmeye.net" decoy = "xmeyes"
  strings:
    $x = "xmeye.net"
    $s = "secu100.net"
  condition: any of them
}
