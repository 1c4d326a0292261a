// Novatek: markers from domain.md (see each rule's reference).

rule soc_novatek_hdal {
  meta:
    vendor = "Novatek" category = "soc" weight = "strong" country = "TW"
    description = "Novatek HDAL media layer and nvtmpp device"
    reference = "domain.md §2.3"
    model = "(n[at][0-9]{5})"
    fixture = "HDAL: Version: v1.01.002" decoy = "HDAL"
  strings:
    $hdal = "HDAL: Version"
    $mpp = "/dev/nvtmpp"
  condition: any of them
}

rule soc_novatek_chip_name {
  meta:
    vendor = "Novatek" category = "soc" weight = "medium" country = "TW"
    description = "Novatek chip names and device-tree vendor"
    reference = "domain.md §6 SoC regex"
    model = "(n[at][0-9]{5})"
    fixture = "compatible = \"novatek,nvt-na51055\"" decoy = "novatek"
  strings:
    $dt = "novatek,"
    $chip = /\bNT9[0-9]{4}/
  condition: any of them
}
