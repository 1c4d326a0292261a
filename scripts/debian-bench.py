#!/usr/bin/env python3
"""Recall, precision and whole-image throughput on firmware built from real
Debian binaries (issue #4's benchmark).

For each architecture (armhf, arm64, mipsel by default) the script downloads
Debian bookworm's binary packages of the components firmsight identifies
(sid's for the few bookworm lacks), and decoy packages that ship another
program under a component's name, unpacks their data into one root filesystem, builds an xz SquashFS image from
it with mksquashfs, scans the image with firmsight and compares the SBOM's
(component, version) pairs with the package versions:

  recall    = truth pairs the SBOM names / truth pairs
  precision = SBOM pairs that are true   / SBOM pairs (identified components:
              `file` and `device` components are not claims)

This needs the network (deb.debian.org) and mksquashfs (squashfs-tools);
`cargo test` never runs it. Downloads are cached under --cache, so a second
run is offline. Standard library only.

    cargo build --release
    python3 scripts/debian-bench.py --firmsight target/release/firmsight

Results go to stdout as a Markdown table (pasted into BENCHMARKS.md) and,
with --json, as JSON per image.
"""

import argparse
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request

MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"

# Archive areas the packages come from: FAAC and FDK AAC are in non-free.
AREAS = ["main", "non-free"]

# Components bookworm does not ship, taken from another suite where it has
# them: live555, IJG libjpeg 9, TensorFlow Lite and Asterisk (for the
# pjproject it bundles) are only in sid (armhf and arm64; sid has no
# mipsel). Their binaries are scanned like the rest.
OTHER_SUITE = {"live555": "sid", "libjpeg": "sid", "tensorflow-lite": "sid", "pjsip": "sid"}
# The architectures of this script's runs that sid builds.
SID_ARCHES = ("armhf", "arm64", "armel", "mips64el", "s390x", "riscv64", "ppc64el", "i386")

# The kernel and U-Boot have no architecture-independent package name: the
# kernel is the newest bookworm ABI of each architecture's flavour (a
# regular expression over package names), U-Boot a board family's builds.
KERNEL = {
    # bookworm: linux-image-6.1.0-50-arm64; trixie: linux-image-6.12.48+deb13-arm64;
    # forky: linux-binary-7.2.12+deb14-arm64 (its linux-image-* is a
    # dependency package only), tried first.
    arch: tuple(
        rf"linux-{kind}-[0-9]+\.[0-9]+\.[0-9]+[-+][0-9a-z]+-{flavour}"
        for kind in ("binary", "image")
    )
    for arch, flavour in (
        ("armhf", "armmp"),
        ("arm64", "arm64"),
        ("mipsel", "4kc-malta"),
        # Not in the default run; independent checks on other compilers'
        # layouts: ARMv5 soft-float, 64-bit MIPS, and a big-endian machine.
        ("armel", "marvell"),
        ("mips64el", "5kc-malta"),
        ("s390x", "s390x"),
        # trixie: RISC-V, the ISA of newer camera SoCs.
        ("riscv64", "riscv64"),
        # Two more back ends: little-endian POWER, and 32-bit x86.
        ("ppc64el", "powerpc64le"),
        ("i386", "686"),
    )
}
UBOOT = {
    "armhf": "u-boot-rpi",
    "arm64": "u-boot-rpi",
    "mipsel": "u-boot-qemu",
    "armel": "u-boot-rpi",
    "mips64el": "u-boot-qemu",
    "s390x": "u-boot-qemu",
    "riscv64": "u-boot-qemu",
    "ppc64el": "u-boot-qemu",
    "i386": "u-boot-qemu",
}

# Of these packages only the files matching the expression go into the image:
# the kernel itself (riscv64's is an uncompressed `vmlinux-*`; forky's is
# /usr/lib/modules/<ABI>/vmlinuz), not its thousands of modules, System.map
# or config.
ONLY = {"linux": r"\./(?:boot/vmlinu[xz]-|usr/lib/modules/[^/]+/vmlinu[xz]$)"}

# firmsight component name -> Debian binary packages that ship it. A package
# missing on an architecture is reported and left out of that image's truth.
COMPONENTS = {
    "linux": [KERNEL],
    "u-boot": [UBOOT],
    "faac": ["libfaac0"],
    "live555": [
        {arch: r"liblivemedia[0-9]+" for arch in SID_ARCHES},
        {arch: r"libbasicusageenvironment[0-9]+" for arch in SID_ARCHES},
        "livemedia-utils",
    ],
    "libjpeg": ["libjpeg9", "libjpeg-progs"],
    "fdk-aac": ["libfdk-aac2"],
    "busybox": ["busybox"],
    "openssl": ["openssl", "libssl3|libssl1.1"],
    "wolfssl": ["libwolfssl35"],
    "mbedtls": ["libmbedcrypto7", "libmbedtls14"],
    "gnutls": ["libgnutls30"],
    "dropbear": ["dropbear-bin"],
    "openssh": ["openssh-server", "openssh-client"],
    "lighttpd": ["lighttpd"],
    "mini_httpd": ["mini-httpd"],
    "nginx": ["nginx", "nginx-core"],  # bullseye's nginx is a dependency package only
    "apache-httpd": ["apache2-bin"],
    "civetweb": ["libcivetweb1"],
    "curl": ["curl", "libcurl4"],
    "wget": ["wget"],
    "zlib": ["zlib1g"],
    "bzip2": ["libbz2-1.0", "bzip2"],
    "xz": ["liblzma5", "xz-utils"],
    "lzo": ["liblzo2-2"],
    "zstd": ["libzstd1", "zstd"],
    "lz4": ["liblz4-1"],
    "glibc": ["libc6"],
    "musl": ["musl"],
    "libstdc++": ["libstdc++6"],
    "libgcc": ["libgcc-s1"],
    "sqlite": ["libsqlite3-0"],
    "dnsmasq": ["dnsmasq-base"],
    "hostapd": ["hostapd"],
    "wpa_supplicant": ["wpasupplicant"],
    "miniupnpd": ["miniupnpd-nftables"],
    "libupnp": ["libupnp13"],
    "avahi": ["avahi-daemon", "libavahi-common3"],
    "libjpeg-turbo": ["libjpeg62-turbo"],
    "libpng": ["libpng16-16"],
    "giflib": ["libgif7"],
    "libtiff": ["libtiff6"],
    "freetype": ["libfreetype6"],
    "ffmpeg": ["libavcodec59", "libavformat59", "libavutil57", "libswscale6"],
    "gstreamer": ["libgstreamer1.0-0"],
    "x264": ["libx264-164"],
    "libxml2": ["libxml2|libxml2-16"],
    "expat": ["libexpat1"],
    "json-c": ["libjson-c5"],
    "cjson": ["libcjson1"],
    "jansson": ["libjansson4"],
    "libevent": ["libevent-2.1-7"],
    "libuv": ["libuv1"],
    "protobuf-c": ["libprotobuf-c1"],
    "lua": ["liblua5.3-0"],
    "python": ["python3.11-minimal"],
    "perl": ["perl-base"],
    "chrony": ["chrony"],
    "iptables": ["iptables"],
    "nftables": ["nftables", "libnftables1"],
    "iproute2": ["iproute2"],
    "util-linux": ["util-linux"],
    "e2fsprogs": ["e2fsprogs"],
    "mtd-utils": ["mtd-utils"],
    "libnl": ["libnl-3-200"],
    "iw": ["iw"],
    "wireless-tools": ["wireless-tools", "libiw30"],
    "ppp": ["ppp"],
    "openvpn": ["openvpn"],
    "vsftpd": ["vsftpd"],
    "proftpd": ["proftpd-core"],
    "net-snmp": ["libsnmp40"],
    "mosquitto": ["mosquitto"],
    "paho-mqtt": ["libpaho-mqtt1.3"],
    "libwebsockets": ["libwebsockets17"],
    "libsrtp": ["libsrtp2-1"],
    "ncurses": ["libncursesw6", "libtinfo6"],
    "readline": ["libreadline8"],
    "pcre": ["libpcre3"],
    "pcre2": ["libpcre2-8-0"],
    "libffi": ["libffi8"],
    "dbus": ["dbus-daemon|dbus", "libdbus-1-3"],
    # libsystemd-shared-NNN.so: bullseye ships it in systemd itself.
    "systemd": ["libsystemd0", "libsystemd-shared|systemd"],
    "libusb": ["libusb-1.0-0"],
    "bluez": ["bluez"],
    "alsa-lib": ["libasound2"],
    "opus": ["libopus0"],
    "speex": ["libspeex1"],
    "libogg": ["libogg0"],
    "libvorbis": ["libvorbis0a"],
    "libdrm": ["libdrm2"],
    "openldap": ["libldap-2.5-0|libldap2"],
    "krb5": ["libkrb5-3"],
    "c-ares": ["libcares2|libc-ares2"],  # trixie's libc-ares2 is an empty transitional package
    "nghttp2": ["libnghttp2-14"],
    "libssh": ["libssh-4"],
    "libssh2": ["libssh2-1"],
    "libpcap": ["libpcap0.8"],
    "tcpdump": ["tcpdump"],
    "strace": ["strace"],
    "gdbserver": ["gdbserver"],
    "lrzsz": ["lrzsz"],
    "dosfstools": ["dosfstools"],
    "fuse": ["libfuse3-3"],
    "toybox": ["toybox"],
    "samba": ["samba-libs"],
    "gsoap": ["libgsoap-2.8.124"],
    "qt": ["libqt5core5a|libqt5core5t64"],
    "opencv": ["libopencv-core406|libopencv-core4.5"],
    "libyuv": ["libyuv0"],
    "tensorflow-lite": ["libtensorflow-lite2.14.1"],
    # ntp.org's ntpd: bullseye's ntp; bookworm's is an empty transitional
    # package (to ntpsec), trixie has none.
    "ntp": ["ntp"],
    "pjsip": ["asterisk"],
}

# Components issue #4's coverage list does not name, in the same form:
# recall is also reported without them.
BEYOND_ISSUE_COMPONENTS = {
    "libgcrypt": ["libgcrypt20"],
    "libarchive": ["libarchive13"],
    "libvpx": ["libvpx7"],
    "libcap": ["libcap2"],
    "libcoap": ["libcoap3"],
    "libsamplerate": ["libsamplerate0"],
    "libsndfile": ["libsndfile1"],
    "x265": ["libx265-199"],
    "lame": ["libmp3lame0"],
    "flac": ["libflac12"],
    "boost": ["libboost-system1.74.0"],
    "faad2": ["libfaad2"],
    "openh264": ["libopenh264-7"],
    "miniupnpc": ["libminiupnpc17"],
    "dhcpcd": ["dhcpcd-base"],
    "stunnel": ["stunnel|stunnel4"],  # forky's stunnel4 only links to stunnel
    "sudo": ["sudo"],
    "bash": ["bash"],
    "rsyslog": ["rsyslog"],
    "modemmanager": ["modemmanager"],
    "networkmanager": ["network-manager"],
    "mdadm": ["mdadm"],
    "nfs-utils": ["nfs-common"],
    "iperf3": ["libiperf0"],
    "lldpd": ["lldpd"],
    "libgpg-error": ["libgpg-error0"],
    "berkeley-db": ["libdb5.3"],
    "kmod": ["kmod"],
    "procps-ng": ["procps"],
    "ethtool": ["ethtool"],
    "net-tools": ["net-tools"],
    "logrotate": ["logrotate"],
    "keepalived": ["keepalived"],
    "lmdb": ["liblmdb0"],
    "gdbm": ["libgdbm6"],
    "hdparm": ["hdparm"],
    "keyutils": ["libkeyutils1"],
    "inadyn": ["inadyn"],
    "minidlna": ["minidlna"],
    "coturn": ["coturn"],
    "smartmontools": ["smartmontools"],
    "parted": ["parted"],
    "glib": ["libglib2.0-0"],
    "libaom": ["libaom3"],
    "libvips": ["libvips42"],
}

BEYOND_ISSUE = set(BEYOND_ISSUE_COMPONENTS)
COMPONENTS.update(BEYOND_ISSUE_COMPONENTS)

# Components a package bundles under its own version: Debian packages no
# pjproject, but Asterisk builds its bundled copy into libasteriskpj.so.2.
# The bundled release is read from the source package (its
# orig-Xpjproject tarball's version.mak); a package version not listed
# here is left out of the image and reported, never guessed.
BUNDLED = {
    "pjsip": {"1:22.10.1+dfsg+~cs6.17.60671434-1": "2.17"},
}

# Packages that ship another program under a component's name: in the image,
# never in the truth, so a claim of the component counts against precision.
# Debian's "mongoose" is SuiteSparse's graph partitioner (version 5.12.0),
# not Cesanta's web server.
# NTPsec is a fork of ntp.org's ntpd with its own versions (ntpd
# ntpsec-1.2.2): a claim of ntp from its binaries would be false.
DECOYS = ["mongoose", "libmongoose2", "ntpsec"]

# Releases whose binaries report another version than the release itself:
# Paho MQTT C 1.3.12 ships with its build version still at 1.3.11 (the
# libraries are libpaho-mqtt3*.so.1.3.11 and say "MQTTClientV3_Version
# 1.3.11"). The truth is what the release's own build says.
# Debian trixie: net-snmp 5.9.4+dfsg is a pre-release snapshot whose
# libraries say "5.9.4.pre2"; OpenSSH 1:10.0p1-7+deb13u4 carries 10.0p2's
# fix and says "OpenSSH_10.0p2"; ProFTPD 1.3.8.c is upstream's 1.3.8c
# (Debian spells the letter after a dot so it sorts after 1.3.8).
BINARY_VERSION = {
    ("paho-mqtt", "1.3.12"): "1.3.11",
    ("net-snmp", "5.9.4"): "5.9.4.pre2",
    ("openssh", "10.0p1"): "10.0p2",
    ("proftpd", "1.3.8.c"): "1.3.8c",
    # lrzsz 0.12.21-10 (bookworm) is built from 0.12.21rc and says so.
    ("lrzsz", "0.12.21"): "0.12.21rc",
    # Debian 11 (bullseye), keyed by the whole Debian version so no other
    # release is touched: hostapd and wpa_supplicant 2.9 are packaged as
    # 2:2.9.0 and say 2.9; iproute2 5.10.0's ip says 5.9.0 (upstream's
    # version.h was not raised); speex 1.2~rc1.2 says 1.2rc1.
    ("hostapd", "2:2.9.0-21+deb11u2"): "2.9",
    ("wpa_supplicant", "2:2.9.0-21+deb11u2"): "2.9",
    ("iproute2", "5.10.0-4"): "5.9.0",
    ("speex", "1.2~rc1.2-1.1"): "1.2rc1",
    # libyuv's release is LIBYUV_VERSION: bookworm's git snapshot
    # 0.0~git20230123.b2528b0 has 1857 in include/libyuv/version.h (its
    # orig tarball); later Debian versions spell it (0.0.1904.20250204).
    ("libyuv", "0.0~git20230123.b2528b0-1"): "1857",
    # Debian forky: bash 5.3-4 applies upstream patches 001-015 (its
    # changelog), so the shell says 5.3.15; FAAC 2.2's build names itself
    # 2.2.0 (libfaac.so.2.0.0: "2.2.0\0\0\0FAAC - Freeware …").
    ("bash", "5.3-4"): "5.3.15",
    ("faac", "2.2+dfsg-1"): "2.2.0",
}

# Components whose upstream version Debian spells inside a longer one: the
# first group of the expression, matched against the upstream version.
VERSION_FORM = {"libyuv": r"0\.0\.([0-9]{4})\.[0-9]{8}"}


def upstream(version):
    """Debian version -> upstream version: drop the epoch, the revision and
    repackaging suffixes (+dfsg, +ds, ~); `+really` names the release
    actually shipped (trixie's zlib 1:1.3.dfsg+really1.3.1-1 is 1.3.1, its
    libxml2 2.12.7+dfsg+really2.9.14-2.1 is 2.9.14)."""
    v = version.split(":", 1)[-1]
    v = v.rsplit("-", 1)[0] if "-" in v else v
    v = v.split("+really", 1)[-1]
    v = re.split(r"[+~]", v)[0]
    # 1.2.13.dfsg (zlib), 2.1.12-stable (libevent)
    v = re.sub(r"\.dfsg$|-stable$", "", v)
    return v


def truth_version(component, package_version):
    """The release of `component` a package of Debian version
    `package_version` ships, as its binaries say it; `None` for a bundled
    copy whose release is not known."""
    bundled = BUNDLED.get(component)
    if bundled is not None:
        return bundled.get(package_version)
    version = upstream(package_version)
    form = re.fullmatch(VERSION_FORM.get(component, "(.*)"), version)
    version = form.group(1) if form else version
    return BINARY_VERSION.get(
        (component, package_version), BINARY_VERSION.get((component, version), version)
    )


def fetch(url, path):
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    try:
        with urllib.request.urlopen(url, timeout=120) as r, open(tmp, "wb") as f:
            shutil.copyfileobj(r, f)
    except urllib.error.HTTPError as e:
        e.msg = f"{e.msg}: {url}"
        raise
    os.replace(tmp, path)
    return path


def packages_index(cache, arch, suite):
    index = {}
    for area in AREAS if suite == SUITE else ["main"]:
        name = f"{suite}-Packages.xz" if area == "main" else f"{suite}-Packages-{area}.xz"
        try:
            path = fetch(
                f"{MIRROR}/dists/{suite}/{area}/binary-{arch}/Packages.xz",
                os.path.join(cache, arch, name),
            )
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return index  # the suite does not build this architecture
            raise
        with lzma.open(path, "rt", encoding="utf-8", errors="replace") as f:
            for stanza in f.read().split("\n\n"):
                fields = {}
                for line in stanza.splitlines():
                    if line and not line[0].isspace() and ":" in line:
                        key, value = line.split(":", 1)
                        fields[key] = value.strip()
                if "Package" in fields:
                    index[fields["Package"]] = fields
    return index


def package_name(entry, arch, index):
    """A COMPONENTS entry -> the package name for `arch`: a name (or names
    separated by `|`, the first the suite has), or a dict
    of names per architecture, or of expressions (the kernel's ABI) whose
    newest matching package is taken (from the first of several that
    matches one)."""
    if isinstance(entry, str):
        return resolve(entry, index)
    wanted = entry.get(arch)
    if wanted is None or wanted in index:
        return wanted
    if isinstance(wanted, tuple):
        # Expressions in order of preference.
        found = (newest(w, index) for w in wanted)
        return next((n for n in found if n), wanted[-1])
    return newest(wanted, index) or wanted


def newest(pattern, index):
    """The index's newest package whose name matches `pattern` (the highest
    numbers in the name: linux-image-6.1.0-50-armmp, libavcodec61)."""
    matching = [n for n in index if re.fullmatch(pattern, n)]
    return max(matching, key=lambda n: [int(x) for x in re.findall(r"[0-9]+", n)], default=None)


def resolve(name, index):
    """A package name as the table gives it (bookworm's) -> the suite's: the
    same name, its 64-bit time_t rename (libssl3t64), or the same stem with
    other numbers after a SONAME or version bump (libavcodec59 ->
    libavcodec61, python3.11-minimal -> python3.13-minimal)."""
    if "|" in name:
        # Alternatives, first found wins: a package renamed by a suite.
        names = [resolve(n, index) for n in name.split("|")]
        return next((n for n in names if n in index), names[0])
    if name in index:
        return name
    if name + "t64" in index:
        return name + "t64"
    # Free the numbers from the right, one at a time: libx264-164 ->
    # libx264-160 (not libx265-192), python3.11-minimal -> python3.13-minimal.
    runs = list(re.finditer(r"[0-9]+", name))
    for free in range(1, len(runs) + 1):
        pattern, end = "", len(name)
        for i, run in enumerate(reversed(runs)):
            literal = re.escape(name[run.end() : end])
            pattern = ("[0-9]+" if i < free else re.escape(run.group())) + literal + pattern
            end = run.start()
        pattern = re.escape(name[:end]) + pattern + "(?:t64)?"
        found = newest(pattern, index)
        if found:
            return found
    return name


def deb_data(path):
    """The data.tar member of a .deb (an ar archive), opened as a tarfile."""
    with open(path, "rb") as f:
        blob = f.read()
    if not blob.startswith(b"!<arch>\n"):
        raise ValueError(f"{path}: not a .deb")
    pos = 8
    while pos + 60 <= len(blob):
        name = blob[pos : pos + 16].decode().strip().rstrip("/")
        size = int(blob[pos + 48 : pos + 58].decode().strip())
        body = blob[pos + 60 : pos + 60 + size]
        if name.startswith("data.tar"):
            if name.endswith(".zst"):
                raise ValueError(f"{path}: zstd data member unsupported")
            return tarfile.open(fileobj=io.BytesIO(body), mode="r:*")
        pos += 60 + size + (size & 1)
    raise ValueError(f"{path}: no data.tar")


def build_rootfs(cache, arch, rootfs, refreshed=False):
    """Unpack the packages into `rootfs`; returns the truth and the packages
    not found. A cached index can name a .deb the archive has since dropped
    (sid's pool moves daily): on a 404 the indexes are fetched again, once."""
    try:
        return unpack_packages(cache, arch, rootfs)
    except urllib.error.HTTPError as e:
        if e.code != 404 or refreshed:
            raise
        for name in os.listdir(os.path.join(cache, arch)):
            if "Packages" in name:
                os.remove(os.path.join(cache, arch, name))
        return build_rootfs(cache, arch, rootfs, refreshed=True)


def unpack_packages(cache, arch, rootfs):
    indexes = {SUITE: packages_index(cache, arch, SUITE)}
    for suite in set(OTHER_SUITE.values()):
        indexes[suite] = packages_index(cache, arch, suite)
    truth, missing, sources = {}, [], {}
    shutil.rmtree(rootfs, ignore_errors=True)
    os.makedirs(rootfs)
    wanted = [(component, names) for component, names in COMPONENTS.items()]
    wanted.append((None, DECOYS))
    for component, names in wanted:
        suite = OTHER_SUITE.get(component, SUITE)
        index = indexes[suite]
        for entry in names:
            name = package_name(entry, arch, index)
            if name is None:
                continue
            pkg = index.get(name)
            if pkg is None:
                missing.append(name if suite == SUITE else f"{name} ({suite})")
                continue
            bundled = BUNDLED.get(component)
            if bundled is not None and pkg["Version"] not in bundled:
                missing.append(f"{name} {pkg['Version']} (bundled {component} release unknown)")
                continue
            try:
                deb = fetch(
                    f"{MIRROR}/{pkg['Filename']}",
                    os.path.join(cache, arch, os.path.basename(pkg["Filename"])),
                )
            except urllib.error.HTTPError as e:
                # The index names a build the mirror does not serve (yet):
                # left out of the image and the truth, and reported. Any
                # other failure stops the run, so it never shrinks the truth.
                if e.code not in (404, 410):
                    raise
                missing.append(f"{name} {pkg['Version']} (download failed: HTTP {e.code})")
                continue
            digest = hashlib.sha256(open(deb, "rb").read()).hexdigest()
            if digest != pkg.get("SHA256"):
                raise ValueError(f"{deb}: SHA-256 mismatch")
            with deb_data(deb) as tar:
                members = [
                    m
                    for m in tar.getmembers()
                    # Documentation and man pages are not firmware content.
                    if not m.name.startswith(("./usr/share/doc", "./usr/share/man"))
                    and (component not in ONLY or m.isdir() or re.match(ONLY[component], m.name))
                ]
                tar.extractall(rootfs, members=members, filter="tar")
            if component is None:
                continue  # a decoy: in the image, not in the truth
            if not any(m.isfile() for m in members):
                # A transitional package (bookworm's ntp): nothing to find.
                missing.append(f"{name} (no files: transitional)")
                continue
            truth.setdefault(component, set()).add(truth_version(component, pkg["Version"]))
            # An ELF package note names the Debian *source* package
            # (libzstd, gcc-14): the components its binaries are.
            source = pkg.get("Source", name).split()[0]
            sources.setdefault(source, set()).add(component)
    return truth, missing, sources


def scan(firmsight, image, sbom):
    start = time.perf_counter()
    subprocess.run(
        [firmsight, "-q", "scan", "--reproducible", image, "-o", sbom],
        check=True,
        env={**os.environ, "RAYON_NUM_THREADS": "2"},
    )
    return time.perf_counter() - start


def unsquashfs_seconds(image, work):
    """Time of squashfs-tools' own extractor on two cores, writing to disk:
    the decompression cost every analysis of the image pays."""
    if shutil.which("unsquashfs") is None:
        return None
    best = None
    for _ in range(3):
        out = os.path.join(work, "unsquashfs-out")
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(
            ["unsquashfs", "-q", "-p", "2", "-d", out, image],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
        shutil.rmtree(out, ignore_errors=True)
    return best


# Identifiers that read a package note (the FDO .note.package JSON Debian 13
# writes into every binary) rather than the component's own code: a
# legitimate source (issue #4 lists it), reported apart so the recall the
# code itself earns stays visible.
NOTE_METHODS = {"elf-package-note", "gcc-runtime-package-note"}


def components(sbom):
    """The SBOM's components, each with the set of identifiers that found it."""
    with open(sbom) as f:
        bom = json.load(f)
    for c in bom.get("components", []):
        methods = {
            m.get("value")
            for i in c.get("evidence", {}).get("identity", [])
            for m in i.get("methods", [])
        }
        yield c, methods


def from_notes(listed):
    """(component, version) pairs whose only evidence is a package note."""
    return {
        (c["name"], c["version"])
        for c, methods in listed
        if methods and methods <= NOTE_METHODS and c.get("version")
    }


def claimed_without_notes(listed):
    """(component, version) pairs some identifier other than a package
    note found. A series (libstdc++.so.6.0.33 is GCC 14) only corroborates
    the release another identifier read."""
    return {
        (c["name"], c["version"])
        for c, methods in listed
        if c.get("version") and any(not m.endswith("-series") for m in methods - NOTE_METHODS)
    }


def claimed(listed, sources, truth_pairs):
    """(component, version) pairs the SBOM claims from version evidence. A
    Debian package (a pkg:deb purl from an ELF package note) is named by
    its source package: it claims the component it is the source of whose
    release it names (gcc-14 14.2.0 is libgcc's and libstdc++'s), else
    stands as named."""
    pairs = set()
    for c, _ in listed:
        if c.get("type") in ("file", "device"):
            continue
        if c.get("scope") == "excluded":
            continue  # a build tool (the compiler named by .comment), not shipped
        if not c.get("version"):
            continue
        name, version = c["name"], c["version"]
        if c.get("purl", "").startswith("pkg:deb/"):
            # The note names the Debian version; the truth is upstream's.
            version = upstream(version)
            same = sorted(comp for comp in sources.get(name, ()) if (comp, version) in truth_pairs)
            name = same[0] if same else name
        pairs.add((name, version))
    return pairs


def main():
    global SUITE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firmsight", default="target/release/firmsight")
    ap.add_argument("--arch", default="armhf,arm64,mipsel")
    ap.add_argument("--suite", default=SUITE, help="Debian suite (bookworm; trixie and forky build no mipsel)")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/firmsight-debian-bench"))
    ap.add_argument("--work", default="/tmp/firmsight-debian-bench")
    ap.add_argument("--comp", default="xz", help="mksquashfs compressors, comma-separated (xz, gzip, lz4, zstd)")
    ap.add_argument("--json", help="write per-image results here")
    args = ap.parse_args()
    SUITE = args.suite

    results = []
    for arch in args.arch.split(","):
        rootfs = os.path.join(args.work, arch, "rootfs")
        truth, missing, sources = build_rootfs(args.cache, arch, rootfs)
        if not truth:
            print(f"{arch}: {SUITE} has no packages for this architecture; skipped", file=sys.stderr)
            continue
        for comp in args.comp.split(","):
            image = os.path.join(args.work, arch, f"rootfs-{comp}.sqfs")
            if os.path.exists(image):
                os.remove(image)
            subprocess.run(
                ["mksquashfs", rootfs, image, "-comp", comp, "-all-root", "-no-progress", "-quiet"],
                check=True,
            )
            size = os.path.getsize(image)
            sbom = os.path.join(args.work, arch, f"rootfs-{comp}.cdx.json")
            seconds = min(scan(args.firmsight, image, sbom) for _ in range(3))
            reference = unsquashfs_seconds(image, args.work)
            truth_pairs = {(c, v) for c, vs in truth.items() for v in vs}
            listed = list(components(sbom))
            found = claimed(listed, sources, truth_pairs)
            hits = truth_pairs & found
            # A note-named Debian package maps to its components above; a
            # hit is note-only when no other identifier found the pair.
            note_only = {
                (comp, upstream(v) if "-" in v else v)
                for name, v in from_notes(listed)
                for comp in (sources.get(name) or {name})
            }
            others = claimed_without_notes(listed)
            note_hits = sorted(f"{c} {v}" for c, v in hits & note_only if (c, v) not in others)
            false = sorted(found - truth_pairs)
            misses = sorted(truth_pairs - found)
            issue_pairs = {(c, v) for c, v in truth_pairs if c not in BEYOND_ISSUE}
            results.append(
                {
                    "arch": arch,
                    "comp": comp,
                    "image_bytes": size,
                    "seconds": round(seconds, 3),
                    "mb_per_s": round(size / 1e6 / seconds, 1),
                    "unsquashfs_seconds": round(reference, 3) if reference else None,
                    "truth": len(truth_pairs),
                    "claimed": len(found),
                    "recall": round(len(hits) / len(truth_pairs), 4),
                    "issue_truth": len(issue_pairs),
                    "issue_recall": round(len(hits & issue_pairs) / len(issue_pairs), 4),
                    "precision": round(len(hits) / len(found), 4) if found else 0.0,
                    "missed": [f"{c} {v}" for c, v in misses],
                    "hits_from_package_notes_only": note_hits,
                    "false": [f"{c} {v}" for c, v in false],
                    "packages_missing": missing,
                }
            )

    print(
        "| arch | squashfs | image | truth pairs | claimed | recall | recall, issue's list | precision "
        "| firmsight scan | MB/s | unsquashfs -p 2 alone |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        unsquash = f"{r['unsquashfs_seconds']:.2f} s" if r["unsquashfs_seconds"] else "-"
        print(
            f"| {r['arch']} | {r['comp']} | {r['image_bytes'] / 1e6:.1f} MB | {r['truth']} | {r['claimed']} "
            f"| {r['recall']:.3f} | {r['issue_recall']:.3f} of {r['issue_truth']} | {r['precision']:.3f} | {r['seconds']:.2f} s | {r['mb_per_s']} | {unsquash} |"
        )
    for r in results:
        if r["comp"] != args.comp.split(",")[0]:
            continue
        if r["missed"]:
            print(f"\n{r['arch']} missed: {', '.join(r['missed'])}")
        if r["hits_from_package_notes_only"]:
            print(f"{r['arch']} found only by package notes: {', '.join(r['hits_from_package_notes_only'])}")
        if r["false"]:
            print(f"{r['arch']} false: {', '.join(r['false'])}")
        if r["packages_missing"]:
            print(f"{r['arch']} not found: {', '.join(r['packages_missing'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
