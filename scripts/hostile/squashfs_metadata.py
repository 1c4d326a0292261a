import struct, zlib, sys
n=int(sys.argv[1])
blk=zlib.compress(bytes(8192),9)
meta=struct.pack('<H',len(blk))+blk   # compressed metadata block (bit 15 clear)
print('block bytes',len(meta))
inode_start=96
body=meta*n
dir_start=inode_start+len(body)
# directory table: one block too; fragment/export/id tables: point to an id table
idblk=struct.pack('<H',0x8000|4)+struct.pack('<I',0)
id_meta_at=dir_start+len(meta)
id_table_at=id_meta_at+len(idblk)
end=id_table_at+8
sb=struct.pack('<IIIIIHHHHHHQQQQQQQQ', 0x73717368, 1, 0, 131072, 0, 1, 17, 0, 1, 4, 0,
   0, end, id_table_at, 0xffffffffffffffff, inode_start, dir_start, 0xffffffffffffffff, 0xffffffffffffffff)
img=sb+body+meta+idblk+struct.pack('<Q',id_meta_at)
open(sys.argv[2],'wb').write(img)
print(len(img))
