#!/usr/bin/env python3
"""SquashFS 4.0 (gzip, 1 MiB blocks, inodes stored): N files of one byte,
each pointing into a 1 MiB fragment block of its own. Built with mksquashfs
from files of 1 MiB - 1 bytes (one per fragment block), then each file's
size is set to 1 in the stored inode table. A reader that keeps every
decoded fragment block holds N MiB; one that charges nothing for decoding a
whole block for one byte never reaches the byte budget."""
import os, struct, subprocess, sys, tempfile
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
out = sys.argv[2] if len(sys.argv) > 2 else f"/tmp/squashfs_fragments_{N}.bin"
SIZE = (1 << 20) - 1
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "src")
    os.mkdir(src)
    for i in range(N):
        with open(os.path.join(src, f"f{i:05d}"), "wb") as f:
            f.write(i.to_bytes(8, "little"))
            f.truncate(SIZE)  # sparse
    image = os.path.join(tmp, "image")
    subprocess.run(
        ["mksquashfs", src, image, "-b", "1048576", "-comp", "gzip", "-noI", "-noD",
         "-noX", "-no-xattrs", "-quiet", "-noappend"],
        check=True, stdout=subprocess.DEVNULL,
    )
    b = bytearray(open(image, "rb").read())
inode_table, dir_table = struct.unpack_from("<QQ", b, 64)
pos = inode_table
while pos < dir_table:
    (word,) = struct.unpack_from("<H", b, pos)
    start, end = pos + 2, pos + 2 + (word & 0x7FFF)
    at = start
    while (at := b.find(struct.pack("<I", SIZE), at, end)) >= 0:
        if struct.unpack_from("<H", b, at - 28)[0] == 2:  # a basic file inode
            struct.pack_into("<I", b, at, 1)
        at += 1
    pos = end
with open(out, "wb") as f:
    f.write(b)
