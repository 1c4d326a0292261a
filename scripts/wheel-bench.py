#!/usr/bin/env python3
"""Recall and precision on binaries nobody built for a distribution: the
native libraries inside Python wheels from PyPI.

The Debian benchmark (debian-bench.py) checks firmsight on one distribution's
builds: dynamically linked, one toolchain, Debian's flags. Wheels are built
by each project's own CI (manylinux containers, vcpkg, cibuildwheel) and
carry what firmware carries too: libraries grafted in by auditwheel under
hashed names (`libzstd-40ad5e7e.so.1.5.7`) and edited by patchelf,
libraries linked statically into one extension module (OpenSSL in
cryptography's Rust module, libjpeg-turbo and libtiff inside OpenCV,
libxml2 in lxml, SQLite in apsw), git-tree builds, BoringSSL posing as
OpenSSL 1.1.1 in grpcio, and zlib-ng keeping zlib's copyright lines.

The truth is what the libraries say about themselves when they run: the
script installs the pinned wheels into a virtual environment and asks each
bundled library its version through its own API (ctypes: OpenSSL_version,
curl_version, png_access_version_number, ZSTD_versionString, av_version_info
…) or the Python binding's (cv2.getBuildInformation, lxml's LIBXML_VERSION,
apsw.sqlite_lib_version …), per file. A version only a host library has
(pycurl reports the host's zlib) is not truth: only libraries inside the
wheels are asked. Then it tars site-packages, scans the tar and compares,
per file:

  recall    = truth (file, component, version) the SBOM names in that file
  precision = SBOM (file, component, version) that are true, over those
              whose (file, component) has a truth; a component the truth
              says is absent (OpenSSL in grpcio, which is BoringSSL; zlib in
              python-zlib-ng, which is zlib-ng) counts
              against precision. Claims no oracle covers are listed apart.

FFmpeg's `n` tag prefix is dropped on both sides; nothing else is
normalised (libssh2 built from its git tag says 1.11.1_DEV, and a claim of
1.11.1 for that file counts as false). A component with no version (a
series or presence) is a claim too where the truth says the component is
absent. Some truth rows are inferred rather than asked of the file itself:
libssl's OpenSSL_version is its libcrypto's, libmbedtls and libmbedx509 take
their libmbedcrypto's release and FFmpeg's libraries their libavutil's (one
build per wheel directory), and OpenCV's bundled libraries come from the
same build information a classifier reads. Several records were written
from these wheels (BENCHMARKS.md says which), so this is not a hold-out
set.

Needs the network once (PyPI; wheels are cached under --cache) and a
CPython matching WHEEL_PYTHON on x86-64 Linux, since the oracles run the
wheels. Standard library only.

    cargo build --release
    python3 scripts/wheel-bench.py --firmsight target/release/firmsight
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import time

WHEEL_PYTHON = (3, 11)

# The wheels, pinned; their dependencies are pinned too so a rerun scans
# the same bytes.
WHEELS = [
    # The wheels whose native libraries are checked.
    "apsw==3.54.1.0",
    "av==18.1.0",
    "cryptography==51.0.1",
    "grpcio==1.85.4",
    "libusb-package==1.0.30.0",
    "lxml==6.2.0",
    "lz4==4.4.5",
    "ncnn==1.0.20261020",
    "opencv-python-headless==5.1.0.95",
    "pillow==13.0.0",
    "psycopg2-binary==2.9.13",
    "pycares==5.2.1",
    "pycurl==7.49.0",
    "pygit2==1.21.0",
    "pysqlite3-binary==0.5.4.post2",
    "python-mbedtls==2.10.1",
    "ssh-python==1.2.0.post1",
    "ssh2-python==1.2.0.post1",
    "tflite-runtime==2.14.0",
    "uvloop==0.23.0",
    "zstandard==0.25.0",
    "zlib-ng==1.1.0",
    # What they need to import (the oracles import them).
    "certifi==2026.10.19.post1",
    "cffi==2.1.1",
    "charset-normalizer==3.5.3",
    "idna==3.21",
    "importlib_resources==7.1.0",
    "numpy==2.4.6",
    "portalocker==4.4.2",
    "pycparser==3.12",
    "requests==2.34.2",
    "tqdm==4.70.1",
    "typing_extensions==4.16.0",
    "urllib3==2.8.0",
]

# Runs inside the virtual environment: prints [file, component, version or
# null] rows, file relative to site-packages.
ORACLE = r'''
import ctypes, glob, json, os, re, sys
SP = sys.argv[1]
rows = []

def rel(path):
    return os.path.relpath(path, SP)

def libs(pattern):
    return sorted(glob.glob(os.path.join(SP, pattern)))

def load(path, mode=os.RTLD_LOCAL):
    """dlopen a grafted library, first loading (globally) the libraries
    beside it that it needs when it has no RPATH to find them itself."""
    for _ in range(32):
        try:
            return ctypes.CDLL(path, mode=mode)
        except OSError as e:
            m = re.match(r"(\S+): cannot open shared object file", str(e))
            need = m and os.path.join(os.path.dirname(path), m.group(1))
            if not need or not os.path.exists(need):
                raise
            load(need, os.RTLD_GLOBAL)
    raise OSError(f"{path}: too many missing libraries")

def call(path, name, restype, *args):
    f = getattr(load(path), name)
    f.restype = restype
    return f(*args)

def text(path, name, *args):
    value = call(path, name, ctypes.c_char_p, *args)
    return value.decode() if value else None

def add(path, component, version):
    rows.append([rel(path), component, version])

def first(pattern, value):
    m = re.search(pattern, value or "")
    return m.group(1) if m else None

# Libraries grafted into the wheels (*.libs/), each asked through its API.
for p in libs("*.libs/libcrypto-*.so*") + libs("*.libs/libssl-*.so*"):
    add(p, "openssl", first(r"OpenSSL (\S+)", text(p, "OpenSSL_version", ctypes.c_int(0))))
for p in libs("*.libs/libcurl-*.so*"):
    add(p, "curl", first(r"libcurl/(\S+)", text(p, "curl_version")))
    krb5 = first(r"mit-krb5/(\S+)", text(p, "curl_version"))
    if krb5:
        for k in libs(os.path.join(os.path.dirname(rel(p)), "libkrb5-*.so*")):
            add(k, "krb5", krb5)
for p in libs("*.libs/libssh2-*.so*"):
    add(p, "libssh2", text(p, "libssh2_version", ctypes.c_int(0)))

class Nghttp2Info(ctypes.Structure):
    _fields_ = [("age", ctypes.c_int), ("version_num", ctypes.c_int),
                ("version_str", ctypes.c_char_p), ("proto_str", ctypes.c_char_p)]
for p in libs("*.libs/libnghttp2-*.so*"):
    info = call(p, "nghttp2_version", ctypes.POINTER(Nghttp2Info), ctypes.c_int(0))
    add(p, "nghttp2", info.contents.version_str.decode())
for p in libs("*.libs/libpng16-*.so*"):
    v = call(p, "png_access_version_number", ctypes.c_uint32)
    add(p, "libpng", f"{v // 10000}.{v // 100 % 100}.{v % 100}")
for p in libs("*.libs/libzstd-*.so*"):
    add(p, "zstd", text(p, "ZSTD_versionString"))
for p in libs("*.libs/liblzma-*.so*"):
    add(p, "xz", text(p, "lzma_version_string"))
for p in libs("*.libs/libtiff-*.so*"):
    add(p, "libtiff", first(r"Version (\S+)", text(p, "TIFFGetVersion")))
for p in libs("*.libs/libfreetype-*.so*"):
    lib = load(p)
    handle = ctypes.c_void_p()
    assert lib.FT_Init_FreeType(ctypes.byref(handle)) == 0
    a, b, c = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.FT_Library_Version(handle, ctypes.byref(a), ctypes.byref(b), ctypes.byref(c))
    add(p, "freetype", f"{a.value}.{b.value}.{c.value}")
for p in libs("*.libs/libopus-*.so*"):
    add(p, "opus", first(r"libopus (\S+)", text(p, "opus_get_version_string")))
for p in libs("*.libs/libgnutls-*.so*"):
    add(p, "gnutls", text(p, "gnutls_check_version", None))
for p in libs("*.libs/libasound-*.so*"):
    add(p, "alsa-lib", text(p, "snd_asoundlib_version"))
for p in libs("*.libs/libssh-*.so*"):
    add(p, "libssh", first(r"^([0-9.]+)", text(p, "ssh_version", ctypes.c_int(0))))
for p in libs("*.libs/libmbedcrypto-*.so*"):
    buf = ctypes.create_string_buffer(32)
    load(p).mbedtls_version_get_string(buf)
    # libmbedtls and libmbedx509 beside it are the same build.
    here = os.path.dirname(rel(p))
    for q in [p] + libs(os.path.join(here, "libmbedtls-*.so*")) + libs(os.path.join(here, "libmbedx509-*.so*")):
        add(q, "mbedtls", buf.value.decode())
for p in libs("*.libs/libsqlite3-*.so*"):
    add(p, "sqlite", text(p, "sqlite3_libversion"))

class LibusbVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint16), ("minor", ctypes.c_uint16),
                ("micro", ctypes.c_uint16), ("nano", ctypes.c_uint16),
                ("rc", ctypes.c_char_p), ("describe", ctypes.c_char_p)]
for p in libs("libusb_package/libusb-1.0.so*"):
    v = call(p, "libusb_get_version", ctypes.POINTER(LibusbVersion)).contents
    add(p, "libusb", f"{v.major}.{v.minor}.{v.micro}")
for p in libs("pycares/_cares*.so"):
    add(p, "c-ares", text(p, "ares_version", None))
for p in libs("uvloop/loop*.so"):
    add(p, "libuv", text(p, "uv_version_string"))
for p in libs("*.libs/libpcre-*.so*"):
    add(p, "pcre", first(r"^(\S+)", text(p, "pcre_version")))
for p in libs("*.libs/libavutil-*.so*"):
    # One FFmpeg build per wheel: every libav*/libsw* beside it is that release.
    release = text(p, "av_version_info").lstrip("n")
    here = os.path.dirname(rel(p))
    for lib in ("avutil", "avcodec", "avformat", "avfilter", "avdevice", "swscale", "swresample"):
        for q in libs(os.path.join(here, f"lib{lib}-*.so*")):
            add(q, "ffmpeg", release)

class LdapApiInfo(ctypes.Structure):
    _fields_ = [("info_version", ctypes.c_int), ("api_version", ctypes.c_int),
                ("protocol_version", ctypes.c_int), ("extensions", ctypes.c_void_p),
                ("vendor_name", ctypes.c_char_p), ("vendor_version", ctypes.c_int)]
for p in libs("*.libs/libldap-*.so*"):
    lib = load(p)
    info = LdapApiInfo(info_version=1)
    assert lib.ldap_get_option(None, 0x0000, ctypes.byref(info)) == 0  # LDAP_OPT_API_INFO
    v = info.vendor_version
    add(p, "openldap", f"{v // 10000}.{v // 100 % 100}.{v % 100}")
# Pillow's libjpeg has no version call; Pillow asks libjpeg-turbo's macros.
from PIL import features
for p in libs("pillow.libs/libjpeg-*.so*"):
    add(p, "libjpeg-turbo", features.version_feature("libjpeg_turbo"))

# Libraries linked statically into extension modules, asked through the binding.
from cryptography.hazmat.backends.openssl import backend
for p in libs("cryptography/hazmat/bindings/_rust*.so"):
    add(p, "openssl", first(r"OpenSSL (\S+)", backend.openssl_version_text()))
import cv2
for p in libs("cv2/cv2*.so"):
    add(p, "opencv", cv2.__version__)
    info = cv2.getBuildInformation()
    add(p, "libjpeg-turbo", first(r"JPEG: +build-libjpeg-turbo \(ver ([0-9.]+)-", info))
    add(p, "libtiff", first(r"TIFF: +build \(ver [0-9]+ - ([0-9.]+)\)", info))
from lxml import etree
for p in libs("lxml/etree*.so") + libs("lxml/objectify*.so"):
    add(p, "libxml2", ".".join(map(str, etree.LIBXML_VERSION)))
import zstandard
for p in libs("zstandard/backend_c*.so"):
    add(p, "zstd", ".".join(map(str, zstandard.ZSTD_VERSION)))
import lz4
for p in libs("lz4/_version*.so"):
    add(p, "lz4", lz4.library_version_string())
import apsw
for p in libs("apsw/__init__*.so"):
    add(p, "sqlite", apsw.sqlite_lib_version())
from pysqlite3 import dbapi2
for p in libs("pysqlite3/_sqlite3*.so"):
    add(p, "sqlite", dbapi2.sqlite_version)
import tflite_runtime
for p in libs("tflite_runtime/_pywrap_tensorflow_interpreter_wrapper*.so"):
    add(p, "tensorflow-lite", tflite_runtime.__version__)
import ncnn
for p in libs("ncnn/ncnn*.so"):
    add(p, "ncnn", ncnn.__version__)
# grpcio links BoringSSL, which calls itself OpenSSL 1.1.1: no OpenSSL.
for p in libs("grpc/_cython/cygrpc*.so"):
    add(p, "openssl", None)
# zlib-ng keeps zlib's copyright lines: zlib-ng, and no zlib.
from zlib_ng import zlib_ng
for p in libs("zlib_ng/zlib_ng*.so"):
    add(p, "zlib-ng", zlib_ng.ZLIBNG_RUNTIME_VERSION)
    add(p, "zlib", None)

rows = [r for r in rows if r[2] is not None or r[1] in ("openssl", "zlib")]
print(json.dumps(rows))
'''


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def venv(cache, work):
    """Install the pinned wheels (from the cache once downloaded)."""
    env_dir = os.path.join(work, "venv")
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(python):
        run([sys.executable, "-m", "venv", env_dir])
    wheels = os.path.join(cache, "wheels")
    os.makedirs(wheels, exist_ok=True)
    pip = [python, "-m", "pip", "-q", "--disable-pip-version-check"]
    run(pip + ["download", "--only-binary", ":all:", "--no-deps", "-d", wheels] + WHEELS)
    run(pip + ["install", "--no-index", "--no-deps", "--find-links", wheels] + WHEELS)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return python, site


def image(site, path):
    """The installed tree as one tar, entries sorted (the same bytes each run)."""
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for root, dirs, files in os.walk(site):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".pyc"):
                    continue
                full = os.path.join(root, name)
                info = tar.gettarinfo(full, "./" + os.path.relpath(full, site))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                with open(full, "rb") as f:
                    tar.addfile(info, f)


def normal(version):
    """One spelling of a release: FFmpeg's `n` tag prefix dropped."""
    return version[1:] if re.match(r"n[0-9]", version) else version


def claims(sbom):
    """(file inside the tar, component, version) the SBOM names, by occurrence.
    What the wheels declare (their dist-info metadata, `pkg:pypi/...`, and
    the SBOMs they ship, PEP 770) is read by manifest analysis alone and
    is not a claim about native libraries' bytes: left out."""
    found = set()
    for c in sbom.get("components", []):
        if c.get("type") in ("file", "device") or c.get("scope") == "excluded":
            continue
        methods = [m for i in c.get("evidence", {}).get("identity", []) for m in i.get("methods", [])]
        if methods and all(m.get("technique") == "manifest-analysis" for m in methods):
            continue
        for o in c.get("evidence", {}).get("occurrences", []):
            m = re.search(r"tar:\./(.+)$", o.get("location", ""))
            if m:
                found.add((m.group(1), c["name"], c.get("version", "")))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firmsight", default="target/release/firmsight")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/firmsight-wheel-bench"))
    ap.add_argument("--work", default="/tmp/firmsight-wheel-bench")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    if sys.version_info[:2] != WHEEL_PYTHON or sys.platform != "linux" or os.uname().machine != "x86_64":
        sys.exit(f"needs CPython {WHEEL_PYTHON[0]}.{WHEEL_PYTHON[1]} on x86-64 Linux (the oracles run the wheels)")
    os.makedirs(args.work, exist_ok=True)
    python, site = venv(args.cache, args.work)
    oracle = subprocess.run([python, "-c", ORACLE, site], capture_output=True, text=True)
    if oracle.returncode != 0:
        sys.exit(f"the oracle failed:\n{oracle.stderr}")
    truth = {(f, comp): (normal(v) if v else None) for f, comp, v in json.loads(oracle.stdout)}

    tar = os.path.join(args.work, "site-packages.tar")
    image(site, tar)
    sbom_path = os.path.join(args.work, "site-packages.cdx.json")
    start = time.monotonic()
    run([args.firmsight, "-q", "scan", "--reproducible", tar, "-o", sbom_path])
    seconds = time.monotonic() - start
    with open(sbom_path) as f:
        listed = {(f_, comp, normal(v)) for f_, comp, v in claims(json.load(f))}
    # A claim with no version (a series or presence) is judged only where
    # the truth says the component is absent.
    named = {n for n in listed if n[2] or truth.get((n[0], n[1]), "") is None}

    expected = {(f, comp, v) for (f, comp), v in truth.items() if v}
    hits = expected & named
    judged = {n for n in named if (n[0], n[1]) in truth}
    false = sorted(n for n in judged if truth[(n[0], n[1])] != n[2])
    unjudged = sorted(named - judged)
    missed = sorted(expected - named)
    size = os.path.getsize(tar)
    result = {
        "wheels": WHEELS,
        "image_bytes": size,
        "seconds": round(seconds, 2),
        "mb_per_s": round(size / seconds / 1e6, 1),
        "truth": len(expected),
        "absent": sorted(f"{f} {c}" for (f, c), v in truth.items() if not v),
        "found": len(hits),
        "recall": round(len(hits) / len(expected), 3) if expected else None,
        "judged": len(judged),
        "precision": round(1 - len(false) / len(judged), 3) if judged else None,
        "missed": [" ".join(m) for m in missed],
        "false": [" ".join(m) + f" (truth: {truth[(m[0], m[1])]})" for m in false],
        "unjudged": [" ".join(u) for u in unjudged],
    }
    print(f"| wheels | truth | recall | precision | unjudged claims | MB/s |")
    print(f"|---|---:|---|---|---:|---:|")
    print(
        f"| {len(WHEELS)} | {result['truth']} | {result['recall']} ({len(hits)}/{len(expected)}) "
        f"| {result['precision']} ({len(judged) - len(false)}/{len(judged)}) | {len(unjudged)} "
        f"| {result['mb_per_s']} |"
    )
    for key in ("missed", "false", "unjudged"):
        print(f"\n{key}:")
        for line in result[key]:
            print(f"  {line}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
