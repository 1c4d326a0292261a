#!/usr/bin/env python3
"""Recall and precision on statically linked, link-time-optimised builds:
the libvips bundles sharp publishes on npm.

Firmware vendors link libraries into one program more and more, and build
with -flto and --gc-sections: whatever a library holds only for a function
nobody calls (its version banner, most often) is gone. sharp-libvips builds
libvips and 27 libraries it depends on (GLib, libpng, libxml2, expat, libffi,
FreeType, libtiff, libaom …) into a single `libvips-cpp.so` per platform,
that way, and lists the release of each in the package's `versions.json`:
the truth, declared by the build itself.

The script downloads the pinned packages from the npm registry (checked
against the registry's sha512 integrity, cached under --cache), scans each
platform's library and compares:

  recall      = truth (component, version) the SBOM names in that file
  precision   = SBOM (component, version) claims in that file that are true;
                a component versions.json does not list counts as false,
                build tools (scope excluded) aside; a component named
                without a version is listed, not scored (as in
                debian-bench.py)
  in bytes    = truth versions whose text is in the file at all (the
                release, or for a three-part release its digits joined as
                LIBXML_VERSION writes them, 21504 for 2.15.4): what no
                reading of strings can beat

A truth entry firmsight has no component for is still counted. mozjpeg's
entry is a commit, not a release, and proxy-libintl is a stub: both left
out. Needs the network once; standard library only.

    cargo build --release
    python3 scripts/npm-bench.py --firmsight target/release/firmsight
"""

import argparse
import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import urllib.request

VERSION = "1.3.5"
PLATFORMS = [
    "linux-arm",
    "linux-arm64",
    "linux-x64",
    "linuxmusl-arm64",
    "linuxmusl-x64",
]

# versions.json key -> firmsight's component name (None: left out).
COMPONENTS = {
    "aom": "libaom",
    "archive": "libarchive",
    "cairo": "cairo",
    "cgif": "cgif",
    "exif": "libexif",
    "expat": "expat",
    "ffi": "libffi",
    "fontconfig": "fontconfig",
    "freetype": "freetype",
    "fribidi": "fribidi",
    "glib": "glib",
    "harfbuzz": "harfbuzz",
    "heif": "libheif",
    "highway": "highway",
    "imagequant": "libimagequant",
    "lcms": "lcms2",
    "mozjpeg": None,  # a commit of libjpeg-turbo's fork, not a release
    "pango": "pango",
    "pixman": "pixman",
    "png": "libpng",
    "proxy-libintl": None,  # a stub standing in for GNU gettext's libintl
    "rsvg": "librsvg",
    "tiff": "libtiff",
    "uhdr": "libultrahdr",
    "vips": "libvips",
    "webp": "libwebp",
    "xml2": "libxml2",
    "zlib-ng": "zlib-ng",
}

# Components issue #4 lists, for the second recall figure.
ISSUE_LIST = {"expat", "libffi", "freetype", "libpng", "libtiff", "libxml2"}

REGISTRY = "https://registry.npmjs.org"


def fetch(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read()


def package(cache, platform):
    """The package's tarball, downloaded once and checked against the
    registry's integrity."""
    name = f"@img/sharp-libvips-{platform}"
    path = os.path.join(cache, f"sharp-libvips-{platform}-{VERSION}.tgz")
    if not os.path.exists(path):
        meta = json.loads(fetch(f"{REGISTRY}/{name}/{VERSION}"))
        blob = fetch(meta["dist"]["tarball"])
        algo, digest = meta["dist"]["integrity"].split("-", 1)
        if algo != "sha512" or hashlib.sha512(blob).digest() != base64.b64decode(digest):
            sys.exit(f"{name}@{VERSION}: integrity mismatch")
        os.makedirs(cache, exist_ok=True)
        with open(path + ".part", "wb") as f:
            f.write(blob)
        os.replace(path + ".part", path)
    return path


def unpack(tgz, work, platform):
    """(library path, versions.json) of one package."""
    out = os.path.join(work, platform)
    library, versions = None, None
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name == "package/versions.json":
                versions = json.load(tar.extractfile(member))
            elif member.isfile() and re.fullmatch(r"package/lib/libvips-cpp\.so\.[0-9.]+", member.name):
                os.makedirs(out, exist_ok=True)
                library = os.path.join(out, os.path.basename(member.name))
                # A fresh file: never through a link left at that path.
                if os.path.lexists(library):
                    os.unlink(library)
                fd = os.open(library, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                with os.fdopen(fd, "wb") as f:
                    f.write(tar.extractfile(member).read())
    if not library or versions is None:
        sys.exit(f"{tgz}: no libvips-cpp.so or versions.json")
    return library, versions


def spellings(version):
    """The ways a release can be written in a binary, not inside a longer
    number or release: as is, and for a three-part release its digits
    joined as LIBXML_VERSION does (21504 for 2.15.4)."""
    forms = {version}
    parts = version.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        forms.add(parts[0] + "".join(p.zfill(2) for p in parts[1:]))
    return [
        re.compile(rb"(?<![0-9._])" + re.escape(form.encode()) + rb"(?![0-9]|\.[0-9])")
        for form in forms
    ]


def claims(sbom):
    """(component, version) the SBOM names, build tools aside."""
    found = set()
    for c in sbom.get("components", []):
        if c.get("type") in ("file", "device") or c.get("scope") == "excluded":
            continue
        found.add((c["name"], c.get("version", "")))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firmsight", default="target/release/firmsight")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/firmsight-npm-bench"))
    ap.add_argument("--work", default="/tmp/firmsight-npm-bench")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    rows, results = [], []
    for platform in PLATFORMS:
        library, versions = unpack(package(args.cache, platform), args.work, platform)
        truth = {COMPONENTS.get(k, k): v for k, v in versions.items() if COMPONENTS.get(k, k)}
        with open(library, "rb") as f:
            data = f.read()
        in_bytes = {c for c, v in truth.items() if any(s.search(data) for s in spellings(v))}
        sbom_path = library + ".cdx.json"
        start = time.monotonic()
        subprocess.run(
            [args.firmsight, "-q", "scan", "--reproducible", library, "-o", sbom_path], check=True
        )
        seconds = time.monotonic() - start
        with open(sbom_path) as f:
            named = claims(json.load(f))
        versioned = {(c, v) for c, v in named if v}
        found = {c for c, v in truth.items() if (c, v) in versioned}
        false = sorted(f"{c} {v}" for c, v in versioned if truth.get(c) != v)
        issue = {c for c in truth if c in ISSUE_LIST}
        result = {
            "platform": platform,
            "bytes": len(data),
            "seconds": round(seconds, 2),
            "truth": len(truth),
            "in_bytes": sorted(in_bytes),
            "found": sorted(found),
            "recall": round(len(found) / len(truth), 3),
            "issue_list": f"{len(found & issue)} of {len(issue)}",
            "claims": len(versioned),
            "false": false,
            "presence": sorted(c for c, v in named if not v),
            "missed_in_bytes": sorted(in_bytes - found),
        }
        results.append(result)
        rows.append(
            f"| {platform} | {len(data) / 1e6:.1f} MB | {len(truth)} | {len(in_bytes)} "
            f"| {len(found)} ({result['recall']}) | {result['issue_list']} "
            f"| {len(versioned) - len(false)} of {len(versioned)} | {seconds:.2f} s |"
        )
    print("| platform | library | truth | version in bytes | found (recall) | issue #4's list | true claims | scan |")
    print("|---|---:|---:|---:|---|---|---|---:|")
    print("\n".join(rows))
    for r in results:
        print(f"\n{r['platform']}: found {', '.join(r['found']) or '-'}")
        print(f"  version text in the file: {', '.join(r['in_bytes']) or '-'}")
        if r["missed_in_bytes"]:
            print(f"  missed though in bytes: {', '.join(r['missed_in_bytes'])}")
        if r["false"]:
            print(f"  false: {', '.join(r['false'])}")
        if r["presence"]:
            print(f"  named without a version: {', '.join(r['presence'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"version": VERSION, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
