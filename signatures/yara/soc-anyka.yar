// Anyka: markers from domain.md (see each rule's reference).

rule soc_anyka {
  meta:
    vendor = "Anyka" category = "soc" weight = "medium" country = "CN"
    description = "Anyka AK39xx chip names"
    reference = "domain.md §2.3 [K]"
    model = "(ak39[0-9]{2}[a-z0-9]*)"
    fixture = "anyka ak3918ev200" decoy = "ak47"
  strings: $c = /ak39[0-9]{2}/ nocase
  condition: $c
}
