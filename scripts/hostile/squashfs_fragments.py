#!/usr/bin/env python3
"""SquashFS 4.0 (gzip, 1 MiB blocks): N files of one byte, each pointing
into a 1 MiB fragment block of its own (one byte of it named, 1 MiB - 1
bytes decoded). A reader that keeps every decoded fragment block holds
N MiB; one that charges nothing for decoding a whole block for one byte
never reaches the byte budget. Built byte by byte (squashfs-tools'
squashfs_fs.h layout; metadata blocks stored), so it needs no mksquashfs."""
import struct
import sys
import zlib

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
out = sys.argv[2] if len(sys.argv) > 2 else f"/tmp/squashfs_fragments_{N}.bin"
BLOCK = 1 << 20
META = 8192
NO_TABLE = 0xFFFF_FFFF_FFFF_FFFF
assert N <= 4000, "one basic directory lists at most about 4,600 such names"


def metadata(stream: bytes) -> tuple[bytes, list[int]]:
    """`stream` as stored 8 KiB metadata blocks, and each block's offset."""
    out, starts = bytearray(), []
    for at in range(0, max(len(stream), 1), META):
        chunk = stream[at:at + META]
        starts.append(len(out))
        out += struct.pack("<H", 0x8000 | len(chunk)) + chunk
    return bytes(out), starts


def ref(position: int) -> tuple[int, int]:
    """(metadata block offset, offset in it) of a position in a stream."""
    return position // META * (META + 2), position % META


image = bytearray(96)
fragments = []
# The same compressed bytes N times: each copy is a block of its own (a
# reader keys blocks by where they start), and one compression is quick.
block = zlib.compress(b"fragment" + bytes(BLOCK - 9), 9)
for i in range(N):
    fragments.append((len(image), len(block)))
    image += block

# Inodes: files 1..N (basic file: no full blocks, all in fragment i), then
# the root directory N + 1.
inodes, files = bytearray(), []
for i in range(N):
    files.append(len(inodes))
    inodes += struct.pack("<HHHHII", 2, 0o644, 0, 0, 0, i + 1)
    inodes += struct.pack("<IIII", 0, i, 0, 1)
root_at = len(inodes)

listing = bytearray()
for first in range(0, N, 256):
    run = range(first, min(first + 256, N))
    # One header per run of inodes in one metadata block.
    groups = {}
    for i in run:
        groups.setdefault(ref(files[i])[0], []).append(i)
    for block, members in groups.items():
        listing += struct.pack("<III", len(members) - 1, block, members[0] + 1)
        for i in members:
            name = b"f%05d" % i
            listing += struct.pack("<HhHH", ref(files[i])[1], i - members[0], 2, len(name) - 1)
            listing += name
inodes += struct.pack("<HHHHII", 1, 0o755, 0, 0, 0, N + 1)
inodes += struct.pack("<IIHHI", 0, 2, len(listing) + 3, 0, N + 2)

inode_table = len(image)
table, _ = metadata(bytes(inodes))
image += table
directory_table = len(image)
table, _ = metadata(bytes(listing))
image += table

entries = b"".join(struct.pack("<QII", start, size, 0) for start, size in fragments)
table, starts = metadata(entries)
blocks_at = len(image)
image += table
fragment_table = len(image)
image += b"".join(struct.pack("<Q", blocks_at + s) for s in starts)

ids_at = len(image)
image += struct.pack("<H", 0x8000 | 4) + struct.pack("<I", 0)
id_table = len(image)
image += struct.pack("<Q", ids_at)

block, offset = ref(root_at)
struct.pack_into(
    "<IIIIIHHHHHHQQQQQQQQ", image, 0,
    0x73717368, N + 1, 0, BLOCK, N, 1, 20, 0, 1, 4, 0,
    block << 16 | offset, len(image), id_table, NO_TABLE,
    inode_table, directory_table, fragment_table, NO_TABLE)
image += bytes(-len(image) % 4096)
with open(out, "wb") as f:
    f.write(image)
