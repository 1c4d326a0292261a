// Network services and remote reach for the technical review: services
// started by init scripts and vendor ports. domain.md §2.1, §5.

rule service_telnetd_started {
  meta:
    vendor = "telnetd" category = "capability" weight = "strong" port = 23
    description = "telnetd started at boot (plaintext remote shell)"
    reference = "domain.md §5 (telnetd enabled in init scripts)"
    fixture_path = "etc/init.d/rcS" fixture = "#!/bin/sh\ntelnetd &\n"
    decoy_path = "etc/init.d/rcS" decoy = "#!/bin/sh\n#telnetd &\n"
  strings: $t = /(^|\n)[ \t]*(\/usr\/sbin\/|\/sbin\/|\/bin\/)?(busybox )?(u)?telnetd( |&|\n|$)/
  condition: (path matches /(^|\/)etc\/(init\.d\/|rc\.d\/|inittab$|rc\.local$|profile$)/ or name matches /^(rcS|rc\.local|inittab)$/) and $t
}

rule service_ssh_started {
  meta:
    vendor = "ssh (dropbear/sshd)" category = "capability" weight = "strong" port = 22
    description = "dropbear or sshd started at boot"
    reference = "domain.md §5"
    fixture_path = "etc/init.d/S50dropbear" fixture = "start-stop-daemon -S -x /usr/sbin/dropbear -- -R\n"
    decoy_path = "etc/init.d/S50dropbear" decoy = "# no ssh here\n"
  strings: $s = /(^|[ \/\t])(dropbear|sshd)( |\n|$)/
  condition: (path matches /(^|\/)etc\/(init\.d\/|rc\.d\/|inittab$|rc\.local$)/ or name matches /^(rcS|rc\.local|inittab)$/) and $s
}

rule service_rtsp {
  meta:
    vendor = "RTSP" category = "capability" weight = "strong" port = 554
    description = "RTSP server: answers OPTIONS with its method list (video reachable on the network)"
    reference = "domain.md §2.1 (services); RFC 2326 §10.1"
    fixture = "RTSP/1.0 200 OK\r\nCSeq: %d\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY\r\n"
    decoy = "if (strncmp(buf, \"RTSP/1.0 200 OK\", 15) == 0) /* client */"
  strings:
    $ok = "RTSP/1.0 200 OK"
    $public = /Public: ?OPTIONS, ?DESCRIBE/
  condition: $ok and $public
}

rule service_onvif {
  meta:
    vendor = "ONVIF" category = "capability" weight = "strong" port = 80
    description = "ONVIF device service answering GetDeviceInformation"
    reference = "domain.md §2.1 (services)"
    fixture = "/onvif/device_service\0<tds:GetDeviceInformationResponse>"
    decoy = "POST /onvif/device_service <tds:GetDeviceInformation/>"
  strings:
    $svc = "/onvif/device_service"
    $resp = "GetDeviceInformationResponse"
  condition: $svc and $resp
}

rule service_dahua_dvrip {
  meta:
    vendor = "Dahua DVRIP (37777)" category = "capability" weight = "medium" port = 37777
    description = "Dahua DVRIP port 37777 with Dahua markers"
    reference = "domain.md §2.1"
    fixture = "TCPPort=37777\nDVRIP" decoy = "TCPPort=37777\n"
  strings:
    $port = "37777"
    $proto = "DVRIP"
  condition: $port and $proto
}

rule service_xiongmai_dvrip {
  meta:
    vendor = "Xiongmai DVR-IP (34567)" category = "capability" weight = "medium" port = 34567
    description = "Xiongmai NetIP/DVR-IP port 34567"
    reference = "domain.md §2.1"
    fixture = "\"TCPPort\" : 34567, \"SSLPort\"" decoy = "\"TCPPort\" : 80"
  strings: $p = /"TCPPort" ?: ?34567/
  condition: $p
}


rule service_debug_console_9527 {
  meta:
    vendor = "debug console (9527)" category = "capability" weight = "strong" port = 9527
    description = "a shell or telnet daemon started on port 9527, the Xiongmai/HiSilicon DVR debug console"
    reference = "domain.md §5 (XM 9530 backdoor: debug port 9527; P3)"
    fixture_path = "etc/init.d/rcS" fixture = "#!/bin/sh\ntelnetd -p 9527 -l /bin/sh &\n"
    decoy_path = "etc/init.d/rcS" decoy = "#!/bin/sh\necho build 95270\ntelnetd -p 23 &\n"
  strings: $p = /(telnetd|nc|busybox|socat)[^\n]{0,40}(-p ?|:)9527([^0-9]|$)/
  condition: (path matches /(^|\/)etc\/(init\.d\/|rc\.d\/|inittab$|rc\.local$|profile$)/ or name matches /^(rcS|rc\.local|inittab)$/) and $p
}
