// Reolink: markers from domain.md (see each rule's reference).

rule oem_reolink_container {
  meta:
    vendor = "Reolink" category = "camera-oem" weight = "strong"
    description = "Reolink PAK update container"
    reference = "domain.md §1.1, §2.1 (R1, R2)"
    fixture_container = "reolink-pak" decoy_container = "zip"
  condition: container == "reolink-pak"
}

rule oem_reolink_dvr_xml {
  meta:
    vendor = "Reolink" category = "camera-oem" weight = "strong"
    description = "dvr.xml with board_type and display_type_info"
    reference = "domain.md §2.1 (R2)"
    fixture_path = "mnt/app/dvr.xml" fixture = "<board_type>IPC_51516M5M</board_type><display_type_info>RLC-410</display_type_info>"
    decoy_path = "mnt/app/dvr.xml" decoy = "<board_type>x</board_type>"
  strings:
    $board = "board_type"
    $display = "display_type_info"
  condition: name == "dvr.xml" and $board and $display
}

rule oem_reolink_word {
  meta:
    vendor = "Reolink" category = "camera-oem" weight = "medium"
    description = "REOLINK in names and strings (PAK names embed it)"
    reference = "domain.md §2.1 (R2)"
    fixture = "IPC_51516M5M.2356_21031803.RLC-410-5MP.OV05A10.5MP.REOLINK.pak" decoy = "REOLIN"
  strings: $r = "reolink" nocase
  condition: $r
}
