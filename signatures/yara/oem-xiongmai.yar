// Xiongmai (XMEye, NetSurveillance; more than 100 OEM brands):
// domain.md §2.1 and §5.

rule oem_xiongmai_sofia {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "strong"
    description = "Sofia, the Xiongmai main process"
    reference = "domain.md §2.1 (I1 src/boards/xm.c)"
    fixture_path = "usr/bin/Sofia" decoy_path = "usr/bin/sofia-sip"
  condition: name == "Sofia"
}

rule oem_xiongmai_paths {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "strong"
    description = "Xiongmai device-info paths (/proc/xm/xminfo, ProductDefinition, SensorType.bat)"
    reference = "domain.md §2.1 (I1, P1)"
    fixture = "cat /proc/xm/xminfo" decoy = "cat /proc/xmlinfo"
  strings:
    $info = "/proc/xm/xminfo"
    $def = "/mnt/custom/ProductDefinition"
    $sns = "/mnt/mtd/Config/SensorType.bat"
  condition: any of them
}

rule oem_xiongmai_mpi {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "strong"
    description = "XM_MPI_ media API of Xiongmai's own SoC SDK"
    reference = "domain.md §2.1, §2.3"
    fixture = "\x00XM_MPI_VENC_CreateChn\x00" decoy = "HI_MPI_VENC_CreateChn"
  strings: $m = "XM_MPI_"
  condition: $m
}

rule oem_xiongmai_root_hash {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "strong"
    description = "root crypt hash absxcfbgXtb3o (password xc3511)"
    reference = "domain.md §2.1, §5"
    fixture = "root:absxcfbgXtb3o:0:0::/root:/bin/sh\n" decoy = "root:absxcfbgXtb3:0:0::/root:/bin/sh\n"
  strings: $h = "absxcfbgXtb3o"
  condition: $h
}

rule oem_xiongmai_helpers {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "strong"
    description = "macGuarder / dvrHelper processes of XM DVR firmware"
    reference = "domain.md §2.1, §5 (P3)"
    fixture_path = "usr/bin/macGuarder" decoy_path = "usr/bin/guarder"
  condition: name == "macGuarder" or name == "dvrHelper"
}

rule oem_xiongmai_uc_httpd {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "strong"
    description = "uc-httpd, the web server built into Sofia"
    reference = "domain.md §2.1"
    fixture = "Server: uc-httpd 1.0.0\r\n" decoy = "Server: httpd 1.0.0\r\n"
  strings: $s = "uc-httpd"
  condition: $s
}

rule oem_xiongmai_cloud {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "medium"
    description = "XMEye cloud and NetSurveillance web UI"
    reference = "domain.md §2.1"
    fixture = "http://www.xmeye.net/" decoy = "http://www.xmeyes.example/"
  strings:
    $cloud = "xmeye.net"
    $web = "NETSurveillance WEB" nocase
  condition: any of them
}

rule oem_xiongmai_account_config {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "medium"
    description = "/mnt/mtd/Config/Account1 (also in genuine Dahua tools: never strong)"
    reference = "domain.md §2.1 [V]"
    fixture = "/mnt/mtd/Config/Account1" decoy = "/mnt/mtd/Config/Network"
  strings: $a = "/mnt/mtd/Config/Account1"
  condition: $a
}

rule oem_xiongmai_default_ip {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "medium"
    description = "Xiongmai factory default address 192.168.1.10 with DVR-IP port 34567"
    reference = "domain.md §2.1"
    fixture = "HostIP=192.168.1.10\nTCPPort=34567\n" decoy = "HostIP=192.168.1.10\ndigits=0123456789\n"
  strings:
    $ip = /(^|[^0-9.])192\.168\.1\.10([^0-9]|$)/
    $port = /(^|[^0-9])34567([^0-9]|$)/
  condition: $ip and $port
}

rule oem_xiongmai_container {
  meta:
    vendor = "Xiongmai" category = "camera-oem" weight = "strong"
    description = "Xiongmai update zip with InstallDesc"
    reference = "domain.md §1.1, §3 (1)"
    fixture_container = "xiongmai-zip" decoy_container = "zip"
  condition: container == "xiongmai-zip"
}
