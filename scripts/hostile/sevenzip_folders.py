#!/usr/bin/env python3
"""7z: N solid folders (LZMA2), each of a large file of zeros listed first
and a small one listed last. A reader that keeps every decoded folder until
the archive is done holds N times the large file. Written per 7-Zip's
7zFormat.txt (a plain header; the signature's CRCs but none per file), so it
needs no 7z."""
import lzma
import struct
import sys
import zlib

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100
BIG = int(sys.argv[2]) if len(sys.argv) > 2 else 12 << 20
out = sys.argv[3] if len(sys.argv) > 3 else f"/tmp/sevenzip_folders_{N}.7z"
SMALL = b"the small file of a folder\n"


def number(n: int) -> bytes:
    """7z's variable-length number: leading 1 bits of the first byte count
    the extra little-endian bytes."""
    for extra in range(8):
        if n < 1 << (7 * (extra + 1)):
            high = n >> (8 * extra)
            mask = (0xFF00 >> extra) & 0xFF
            return bytes([mask | high]) + (n & ((1 << (8 * extra)) - 1)).to_bytes(extra, "little")
    return b"\xff" + n.to_bytes(8, "little")


# One stream N times: each copy is a folder of its own, and one
# compression is quick.
filters = [{"id": lzma.FILTER_LZMA2, "dict_size": 1 << 24}]
stream = lzma.compress(bytes(BIG) + SMALL, format=lzma.FORMAT_RAW, filters=filters)
packed = [stream] * N
folders = [(BIG, len(SMALL))] * N

h = bytearray([0x01, 0x04])                         # Header, MainStreamsInfo
h += bytes([0x06]) + number(0) + number(N)          # PackInfo: at 0, N streams
h += bytes([0x09]) + b"".join(number(len(p)) for p in packed) + b"\x00"
h += bytes([0x07, 0x0B]) + number(N) + b"\x00"      # UnpackInfo, N folders
for _ in range(N):
    # One coder: LZMA2 (id 21), one property byte (dictionary 16 MiB: 24).
    h += number(1) + bytes([0x20 | 1, 0x21]) + number(1) + bytes([24])
h += bytes([0x0C]) + b"".join(number(big + small) for big, small in folders)
h += b"\x00"
h += bytes([0x08, 0x0D]) + b"".join(number(2) for _ in folders)
h += bytes([0x09]) + b"".join(number(big) for big, _ in folders) + b"\x00"
h += b"\x00"                                        # end of MainStreamsInfo
names = b"".join(("d%04d/%s\0" % (i, kind)).encode("utf-16-le")
                 for i in range(N) for kind in ("big", "small"))
h += bytes([0x05]) + number(2 * N)
h += bytes([0x11]) + number(len(names) + 1) + b"\x00" + names
h += b"\x00\x00"                                    # end of FilesInfo, Header

body = b"".join(packed)
start = struct.pack("<QQI", len(body), len(h), zlib.crc32(h))
signature = b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start
with open(out, "wb") as f:
    f.write(signature + body + h)
