#!/usr/bin/env python3
"""Scan inputs built to amplify: each a few kilobytes to megabytes that made
some reader hold or decode far more than the budgets allow for (see
BENCHMARKS.md, "Hostile inputs"). Prints, per case, the input's size, the
scan's peak memory and time, and the problems it reported.

    python3 scripts/hostile-inputs.py --firmsight target/release/firmsight [--check]

Each scan runs in a process of its own under a 4 GiB address-space limit and a
120 s timeout, so a regression fails instead of taking the machine down.
`--check` exits non-zero when a case exceeds 300 MiB or 10 s (CI, with an
unoptimised build, allows 30 s: `--max-seconds 30`). The generators
are in scripts/hostile/ (pure Python, standard library only).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")

# (case, generator, its arguments before the output path, what it builds)
CASES = [
    ("squashfs-fragments", "squashfs_fragments.py", ["2500"],
     "SquashFS 4: 2,500 one-byte files, each in a 1 MiB fragment block of its own"),
    ("squashfs-metadata", "squashfs_metadata.py", ["100000"],
     "SquashFS 4: an inode table of 100,000 compressed 8 KiB blocks of zeros"),
    ("squashfs2-metadata", "sq2_metacache.py", ["40000"],
     "SquashFS 2: 40,000 entries a byte apart into long stored metadata blocks"),
    ("7z-folders", "sevenzip_folders.py", ["100", str(4 << 20)],
     "7z: 100 LZMA2 folders, each of a 4 MiB file listed first and a small one last"),
    ("cab-folders", "cab_folders.py", ["100", str(8 << 20)],
     "Cabinet: 100 folders of an 8 MiB file read first and a tiny one read last"),
    ("ubifs-names", "ubifs_dent_clone.py", ["5000", "5000"],
     "UBIFS: 5,000 names of one inode of 5,000 empty data nodes"),
    ("yaffs2-hardlinks", "yaffs2_hardlink_clone.py", ["4500", "4500"],
     "YAFFS2: 4,500 hard links to an object of 4,500 empty chunks"),
    ("cramfs-overlap", "cramfs_overlap_dirs.py", ["1400"],
     "CramFS: 1,400 directories, each listing from one entry after the last"),
    ("jffs2-rubin", "jffs2_rubin.py", ["600", "file", "3"],
     "JFFS2: 600 rubinmips nodes of 1 MiB with no input"),
    ("jffs2-rubin-links", "jffs2_rubin.py", ["10", "link", "3", None, "60"],
     "JFFS2: a symlink of ten such nodes under 60 names"),
    ("zimage-bzip2", "zimage_bzip2_probe.py", ["12"],
     "ARM zImage x12: 1,310 bzip2 candidates each, of 45 MB of zeros"),
    ("cpio-entries", "cpio_many_entries.py", ["400000"],
     "gzip'd cpio: 400,000 empty files with distinct names"),
    ("carve-zip", "carve_zip_eocd.py", ["4000", str(4 << 20)],
     "4,000 zip local headers before 4 MB of end records that fit none"),
]

# Runs one scan and reports its own child's peak memory: a process that
# only waits for one child, so the figure is that child's alone.
WRAPPER = r"""
import json, resource, subprocess, sys, time
cap = 4 << 30
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
start = time.monotonic()
try:
    run = subprocess.run(sys.argv[1:], capture_output=True, text=True,
                         timeout=120, preexec_fn=limit)
    out, code = run.stdout + run.stderr, run.returncode
except subprocess.TimeoutExpired as e:
    out, code = "timeout", -1
elapsed = time.monotonic() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
problems = next((l.strip() for l in out.splitlines() if l.strip().startswith("problems")), out[-200:])
print(json.dumps({"rss_kib": rss, "seconds": elapsed, "code": code, "problems": problems}))
"""


def build(case, tmp):
    name, script, args, _ = case
    out = os.path.join(tmp, name + ".bin")
    argv = [a if a is not None else out for a in args]
    if None not in args:
        argv.append(out)
    subprocess.run([sys.executable, os.path.join(HERE, script), *argv], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmsight", default="target/release/firmsight")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a case takes over --max-rss-mib or --max-seconds")
    ap.add_argument("--max-rss-mib", type=float, default=300)
    ap.add_argument("--max-seconds", type=float, default=10)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    results, failed = [], False
    print("| case | input | peak RSS | time | reported |")
    print("|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            path = build(case, tmp)
            size = os.path.getsize(path)
            run = subprocess.run(
                [sys.executable, "-c", WRAPPER, args.firmsight, "scan", path,
                 "-o", os.path.join(tmp, "sbom.json")],
                capture_output=True, text=True, check=True)
            r = json.loads(run.stdout)
            r.update(case=case[0], what=case[3], input_bytes=size)
            results.append(r)
            over = (r["rss_kib"] > args.max_rss_mib * 1024 or r["seconds"] > args.max_seconds
                    or r["code"] not in (0, 1, 2))
            failed |= over
            print(f"| {case[0]} | {size / 1e6:.2f} MB | {r['rss_kib'] / 1024:.0f} MiB "
                  f"| {r['seconds']:.2f} s | {r['problems']}{' **over**' if over else ''} |",
                  flush=True)
            os.remove(path)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.check and failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
