#!/usr/bin/env python3
"""Entries: a gzip-compressed cpio (newc) of N empty regular files with
distinct names. Each costs about 120 bytes of cpio and 8 of gzip, so 3.3 MB
list 400,000 artifacts and 8 MB a million: every record the walk keeps
(location, name, hashes) is memory the byte budget never sees."""
import gzip
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
out = sys.argv[2] if len(sys.argv) > 2 else f"/tmp/cpio_many_entries_{N}.cpio.gz"


def entry(ino: int, name: bytes, mode: int) -> bytes:
    name += b"\0"
    fields = (ino, mode, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(name), 0)
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name
    return head + bytes(-len(head) % 4)


with gzip.open(out, "wb", compresslevel=6) as f:
    for i in range(N):
        f.write(entry(i + 1, b"d%03d/e%07d" % (i % 1000, i), 0o100644))
    f.write(entry(0, b"TRAILER!!!", 0))
print(out)
