#!/usr/bin/env python3
"""JFFS2: one regular file made of K inode nodes, each 68 bytes with no data
(csize 0), compression 3 (rubinmips) and dsize 1 MiB. File::reader decodes
every node through `rubin`, which synthesises dsize bytes bit by bit from no
input, before any output is charged; stored_len is 0, so the work is not
charged either. Optionally the file is a symlink instead (mode=link): then
the decode runs while listing (File::small), once per directory entry."""
import struct, sys, zlib
K = int(sys.argv[1]) if len(sys.argv) > 1 else 100
KIND = sys.argv[2] if len(sys.argv) > 2 else 'file'
COMPR = int(sys.argv[3]) if len(sys.argv) > 3 else 3
out = sys.argv[4] if len(sys.argv) > 4 else f"/tmp/jffs2_rubin_{KIND}_{K}_c{COMPR}.bin"
DSIZE = 1 << 20
def crc(b): return (~zlib.crc32(b, 0xffffffff)) & 0xffffffff
def hdr(nodetype, totlen):
    h = struct.pack('<HHI', 0x1985, nodetype, totlen)
    return h + struct.pack('<I', crc(h))
img = bytearray()
def pad():
    img.extend(b'\xff' * (-len(img) % 4))
def dirent(pino, ino, name, version=1):
    n = bytearray(hdr(0xe001, 40 + len(name)) + bytes(28))
    struct.pack_into('<III', n, 12, pino, version, ino)
    n[28] = len(name); n[29] = 8
    struct.pack_into('<I', n, 32, crc(bytes(n[:32])))
    struct.pack_into('<I', n, 36, crc(name))
    img.extend(n + name); pad()
def inode(ino, version, mode, isize, offset, dsize, compr):
    n = bytearray(hdr(0xe002, 68) + bytes(56))
    struct.pack_into('<III', n, 12, ino, version, mode)
    struct.pack_into('<I', n, 28, isize)
    struct.pack_into('<III', n, 44, offset, 0, dsize)   # offset, csize=0, dsize
    n[56] = compr
    struct.pack_into('<I', n, 60, 0)                     # crc of no data
    struct.pack_into('<I', n, 64, crc(bytes(n[:60])))
    img.extend(n); pad()
if KIND == 'file':
    dirent(1, 2, b'f')
    for v in range(1, K + 1):
        inode(2, v, 0o100644, DSIZE, 0, DSIZE, COMPR)
else:   # symlink: listing decodes it once per directory entry naming it
    E = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    for e in range(E):
        dirent(1, 2, b'l%d' % e)
    for v in range(1, K + 1):
        inode(2, v, 0o120777, 16, 0, DSIZE, COMPR)
open(out, 'wb').write(img)
print(out, len(img))
