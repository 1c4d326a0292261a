#!/usr/bin/env python3
"""Regenerate signatures/usb-vendors.tsv from a usb.ids file.

usb.ids is the public USB ID database (http://www.linux-usb.org/usb.ids),
maintained by Stephen J. Gowdy, distributable under GPL-2.0-or-later or
BSD-3-Clause; firmsight uses it under BSD-3-Clause. On Debian:

    apt-get download usb.ids && dpkg-deb -x usb.ids_*.deb /tmp/usbids
    scripts/usb-vendors.py /tmp/usbids/var/lib/usbutils/usb.ids > signatures/usb-vendors.tsv

Only vendor lines are kept (`vvvv  Name`), not products or classes.
"""
import re
import sys

path = sys.argv[1]
version = date = "unknown"
vendors = []
with open(path, encoding="utf-8", errors="replace") as f:
    for line in f:
        if line.startswith("# Version:"):
            version = line.split(":", 1)[1].strip()
        elif line.startswith("# Date:"):
            date = line.split(":", 1)[1].strip()
        elif line.startswith("C "):
            break  # device classes follow the vendor list
        m = re.match(r"^([0-9a-f]{4})  (.+)$", line.rstrip("\n"))
        if m:
            vendors.append((m.group(1), m.group(2).strip()))
print("# USB vendor IDs from usb.ids (http://www.linux-usb.org/usb.ids)")
print(f"# usb.ids version {version}, date {date}; Debian package usb.ids")
print("# Licence: BSD-3-Clause (usb.ids is dual GPL-2.0-or-later / BSD-3-Clause),")
print("# Copyright (C) Stephen J. Gowdy <linux.usb.ids@gmail.com>")
print("# Regenerate with scripts/usb-vendors.py. Format: vid<TAB>vendor")
for vid, name in vendors:
    print(f"{vid}\t{name}")
