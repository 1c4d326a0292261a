// Huawei: markers from domain.md (see each rule's reference).

rule oem_huawei_holosens {
  meta:
    vendor = "Huawei" category = "camera-oem" weight = "medium"
    description = "HoloSens, Huawei's camera line and cloud [K]"
    reference = "domain.md §3 (Huawei → HiSilicon), [K]"
    fixture = "HoloSens SDC" decoy = "Holo Sense"
  strings: $h = "HoloSens"
  condition: $h
}

rule oem_huawei_company {
  meta:
    vendor = "Huawei" category = "camera-oem" weight = "weak"
    description = "Huawei company name: HiSilicon SDK libraries (libsecurec) carry it too"
    reference = "domain.md §2.3 caveat"
    fixture = "Copyright (c) Huawei Technologies Co., Ltd. 2014-2018" decoy = "Copyright (c) HiSilicon"
  strings: $c = "Huawei Technologies" nocase
  condition: $c
}
