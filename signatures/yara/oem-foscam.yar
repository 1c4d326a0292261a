// Foscam: markers from domain.md (see each rule's reference).

rule oem_foscam_container {
  meta:
    vendor = "Foscam" category = "camera-oem" weight = "medium"
    description = "Foscam OpenSSL-salted update (the format is not Foscam-only)"
    reference = "domain.md §2.1 (M1 decrypt-foscam.py)"
    fixture_container = "openssl-salted" decoy_container = "zip"
  condition: container == "openssl-salted"
}

rule oem_foscam_company {
  meta:
    vendor = "Foscam" category = "camera-oem" weight = "medium"
    description = "Foscam company name and domains [K]"
    reference = "domain.md §2.1 [K]"
    fixture = "Shenzhen Foscam Intelligent Technology" decoy = "Foscamera"
  strings:
    $c = "Foscam Intelligent" nocase
    $d = "foscam.com" nocase
    $m = "myfoscam" nocase
  condition: any of them
}
