#!/usr/bin/env python3
"""Carving: junk (no format at offset 0), then L zip local-header magics
(each a carve candidate), then a long run of "PK\\x05\\x06" that never forms
an end-of-central-directory record that fits. For every candidate carve::parts
calls Zip::extent on the rest of the input, which walks every "PK\\x05\\x06"
to the end: L x (input/4) record checks, done while listing, outside every
budget."""
import sys
L = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
TAIL = int(sys.argv[2]) if len(sys.argv) > 2 else 4 << 20
out = sys.argv[3] if len(sys.argv) > 3 else f"/tmp/carve_zip_eocd_{L}_{TAIL}.bin"
import random
random.seed(1)
img = bytearray(b'JUNK' + bytes(random.randrange(1, 255) for _ in range(1020)))
for i in range(L):
    img += b'PK\x03\x04' + b'\x14\x00' + bytes(24) + b'x' * 2   # 32-byte local header stub
img += b'PK\x05\x06' * (TAIL // 4)
open(out, 'wb').write(img)
print(out, len(img))
