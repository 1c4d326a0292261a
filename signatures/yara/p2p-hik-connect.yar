// Hik-Connect / EZVIZ: markers from domain.md (see each rule's reference).

rule p2p_hik_connect {
  meta:
    vendor = "Hik-Connect / EZVIZ" category = "p2p-cloud" weight = "strong" country = "CN"
    description = "Hikvision cloud (Hik-Connect, EZVIZ, ys7.com)"
    reference = "domain.md §2.1 P2P table"
    fixture = "dev.ys7.com" decoy = "dev.ys77.com"
  strings:
    $ys7 = /[^a-z0-9]ys7\.com([^a-z.]|$)/
    $ez = "ezvizlife.com"
    $hc = "hik-connect" nocase
  condition: any of them
}
