// Dahua DHP2P / Imou: markers from domain.md (see each rule's reference).

rule p2p_dahua_dhp2p {
  meta:
    vendor = "Dahua DHP2P / Imou" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "Dahua P2P cloud (easy4ip, imoulife, DHP2P)"
    reference = "domain.md §2.1 P2P table; §5 CVE-2020-9501"
    fixture = "www.easy4ip.com" decoy = "easy4"
  strings:
    $e = "easy4ip" nocase
    $i = "imoulife" nocase
    $d = "DHP2P"
  condition: any of them
}
