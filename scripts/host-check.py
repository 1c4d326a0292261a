#!/usr/bin/env python3
"""Check firmsight's claims on this machine's own Debian system against dpkg.

An independent check with binaries built by another architecture's
compiler than the benchmark images' (amd64 here), and with whatever else
the machine has installed. The script puts the installed programs and
libraries (--paths, default /usr's bin, sbin, lib, libexec and local) into
one tar, scans it, and reads dpkg's database:

  found      = components of debian-bench.py's table whose package is
               installed (and has files under --paths) that the SBOM
               names at that package's release / such components
  true/false = claims read from a file of the component's own package (or
               of its Debian source package) whose version is / is not the
               package's release

A claim read from another package's file (a bundled or static copy, a
program that embeds a library) cannot be judged from dpkg and is counted
apart, as are claims from inside archives in the tree. Exits 1 when a
claim is false. Needs a Debian-based system (dpkg) and tar; no network.

    cargo build --release
    python3 scripts/host-check.py --firmsight target/release/firmsight
"""

import argparse
import collections
import glob
import importlib.util
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("bench", os.path.join(HERE, "debian-bench.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

# Ecosystems whose versions are their own registries', not Debian's.
OTHER_ECOSYSTEMS = ("pkg:npm/", "pkg:pypi/", "pkg:golang/", "pkg:cargo/", "pkg:maven/", "pkg:gem/")


def installed():
    """Installed packages -> {"Version", "Source"}, named without :arch."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${source:Package}\t${db:Status-Abbrev}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    packages = {}
    for line in out.splitlines():
        name, version, source, status = line.split("\t")
        if status.startswith("ii"):
            packages[name.split(":")[0]] = {"Version": version, "Source": source or name}
    return packages


def owners(info="/var/lib/dpkg/info"):
    """Installed path -> owning package, from dpkg's file lists. With the
    /usr merge a file listed as /lib/x is found at /usr/lib/x too."""
    owner = {}
    for listing in sorted(glob.glob(os.path.join(info, "*.list"))):
        package = os.path.basename(listing)[: -len(".list")].split(":")[0]
        with open(listing, encoding="utf-8", errors="surrogateescape") as f:
            for path in f.read().splitlines():
                owner.setdefault(path, package)
                for merged in ("/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"):
                    if path.startswith(merged):
                        owner.setdefault("/usr" + path, package)
    return owner


def installed_name(entry, arch, packages):
    """A table entry -> the installed package it names: exactly (or its
    64-bit time_t rename); the benchmark's looser renames (other numbers
    in the name, for a newer suite) would take libx265-199 for
    libx264-164 among whatever a machine has installed."""
    if isinstance(entry, str):
        names = [n + t for n in entry.split("|") for t in ("", "t64")]
        return next((n for n in names if n in packages), None)
    return bench.package_name(entry, arch, packages)


def table(packages, arch):
    """debian-bench.py's table against what is installed: component ->
    {package: the release it ships}."""
    wanted = collections.defaultdict(dict)
    for component, entries in bench.COMPONENTS.items():
        for entry in entries:
            name = installed_name(entry, arch, packages)
            if name in packages:
                version = bench.truth_version(component, packages[name]["Version"])
                if version is not None:
                    wanted[component][name] = version
    return wanted


def occurrences(component):
    for occurrence in component.get("evidence", {}).get("occurrences", []):
        yield occurrence.get("location", "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firmsight", default="target/release/firmsight")
    ap.add_argument("--root", default="/")
    ap.add_argument(
        "--paths",
        nargs="+",
        default=["usr/bin", "usr/sbin", "usr/lib", "usr/libexec", "usr/local"],
        help="directories under --root to scan",
    )
    ap.add_argument("--work", default="/tmp/firmsight-host-check")
    ap.add_argument("--reuse-tar", action="store_true", help="scan the tar a previous run built")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    os.makedirs(args.work, exist_ok=True)
    image = os.path.join(args.work, "host.tar")
    if not (args.reuse_tar and os.path.exists(image)):
        subprocess.run(
            ["tar", "-C", args.root, "--ignore-failed-read", "-cf", image, *args.paths],
            check=False,  # unreadable files are skipped with a warning
        )
    sbom = os.path.join(args.work, "host.cdx.json")
    seconds = bench.scan(args.firmsight, image, sbom)
    listed = list(bench.components(sbom))

    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    packages = installed()
    owner = owners()
    wanted = table(packages, arch)
    roots = tuple(os.path.join("/", p.strip("/")) + "/" for p in args.paths)
    packages_of = {c: set(p) for c, p in wanted.items()}
    sources_of = {c: {packages[p]["Source"] for p in ps} for c, ps in wanted.items()}

    # Truth: installed table packages with files under the scanned paths.
    has_files = collections.defaultdict(bool)
    for path, package in owner.items():
        if path.startswith(roots) and os.path.isfile(path):
            has_files[package] = True
    truth = {(c, v) for c, ps in wanted.items() for p, v in ps.items() if has_files[p]}

    claimed, true, false = set(), 0, []
    apart = collections.Counter()
    for c, _ in listed:
        if c.get("type") in ("file", "device") or c.get("scope") == "excluded" or not c.get("version"):
            continue
        if c.get("purl", "").startswith(OTHER_ECOSYSTEMS):
            continue
        name, version = c["name"], c["version"]
        if c.get("purl", "").startswith("pkg:deb/"):
            # An ELF package note names the Debian version; the truth is upstream's.
            version = bench.upstream(version)
        claimed.add((name, version))
        for location in occurrences(c):
            steps = location.split(" › ")
            if len(steps) != 2 or not steps[1].startswith("tar:"):
                apart["inside an archive or stream"] += 1
                continue
            path = "/" + steps[1][len("tar:") :]
            package = owner.get(path)
            if package is None:
                apart["file no package owns"] += 1
            elif package in packages_of.get(name, ()) or packages[package]["Source"] in sources_of.get(name, ()):
                # Built from the same source: the same release.
                release = bench.truth_version(name, packages[package]["Version"])
                if version == release:
                    true += 1
                else:
                    false.append((name, version, release, path))
            else:
                apart[f"{name} in {package}"] += 1

    found = truth & claimed
    print(f"scanned {os.path.getsize(image) / 1e6:.0f} MB in {seconds:.1f} s")
    print(f"table components installed: {len(truth)}, found at their release: {len(found)}")
    for miss in sorted(truth - found):
        print("  not found:", *miss)
    print(f"claims from their own package's files: {true} true, {len(false)} false")
    for name, version, release, path in sorted(false):
        print(f"  FALSE {name} {version} (package ships {release}): {path}")
    print(f"claims not judged: {sum(apart.values())}")
    for reason, n in sorted(apart.items()):
        print(f"  {reason}: {n}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "image_bytes": os.path.getsize(image),
                    "seconds": round(seconds, 2),
                    "truth": sorted(truth),
                    "found": sorted(found),
                    "own_package_true": true,
                    "own_package_false": sorted(false),
                    "not_judged": dict(sorted(apart.items())),
                },
                f,
                indent=1,
            )
    return 1 if false else 0


if __name__ == "__main__":
    sys.exit(main())
