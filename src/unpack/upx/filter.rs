//! UPX's code filters, undone. Before compressing a block of code UPX
//! rewrites its branch targets from relative to absolute, so that calls to
//! one function repeat and compress better; `b_ftid` names the filter and
//! `b_cto8` its parameter. The ELF packer filters each block on its own
//! with no added base, so offsets count from the block's first byte.
//!
//! The ids UPX 3.x/4.x writes for ELF (`getFilters` in `src/p_lx_elf.cpp`;
//! the rules in `src/filter/ctok.h`, `ct.h` and `ppcbxx.h`, limits in
//! `filter_impl.cpp`): 0x46 and 0x49 for i386 and x86-64, 0x50 ARM
//! little-endian, 0x51 ARM big-endian, 0x52 ARM64, 0xd0 PowerPC. MIPS
//! code is never filtered. All arithmetic wraps at 32 bits, as UPX's does.

/// Whether `id` is a filter this module undoes.
pub fn is_known(id: u8) -> bool {
    matches!(id, 0x46 | 0x49 | 0x50 | 0x51 | 0x52 | 0xd0)
}

/// Undo filter `id` with parameter `cto` over one block's bytes; false
/// (bytes untouched) for an id this module does not know. A block outside
/// the filter's length limits was not filtered and is left as it is.
pub fn unfilter(id: u8, cto: u8, block: &mut [u8]) -> bool {
    let len = block.len();
    match id {
        0x46 | 0x49 if (6..=0xFF_FFFF).contains(&len) => x86_calls(block, cto, id & 0x0f >= 9),
        0x50 | 0x51 if (8..=0x1FF_FFFF).contains(&len) => arm_bl(block, id == 0x51),
        0x52 if (8..=0x3FF_FFFF).contains(&len) => arm64_branches(block),
        0xd0 if len >= 8 => powerpc_branches(block, cto),
        _ => return is_known(id),
    }
    true
}

/// x86 CALL and JMP rel32 (E8, E9) and, with `jcc`, Jcc rel32 (0F 8x): a
/// rewritten operand starts with the marker byte `cto` and holds, big-
/// endian, `cto << 24` plus the absolute target (operand offset plus the
/// displacement).
fn x86_calls(block: &mut [u8], cto: u8, jcc: bool) {
    let mut last = 0;
    let mut i = 0;
    while i + 5 < block.len() {
        let op = block[i];
        let branch = op == 0xe8
            || op == 0xe9
            // A Jcc's second byte, unless the byte before ended an operand.
            || (jcc && i != last && i > 0 && block[i - 1] == 0x0f && op & 0xf0 == 0x80);
        if !branch || block[i + 1] != cto {
            i += 1;
            continue;
        }
        let field: [u8; 4] = [block[i + 1], block[i + 2], block[i + 3], block[i + 4]];
        let absolute = u32::from_be_bytes(field).wrapping_sub(u32::from(cto) << 24);
        let displacement = absolute.wrapping_sub((i + 1) as u32);
        block[i + 1..i + 5].copy_from_slice(&displacement.to_le_bytes());
        i += 5;
        last = i;
    }
}

/// ARM-mode BL (and BLX with H set): the 24-bit word offset became the
/// absolute word index. Every word but the last is looked at.
fn arm_bl(block: &mut [u8], big_endian: bool) {
    let mut at = 0;
    while at + 4 < block.len() {
        let word = (at / 4) as u32;
        let (cond_op, field) = if big_endian {
            (at, at + 1)
        } else {
            (at + 3, at)
        };
        if block[cond_op] & 0x0f == 0x0b {
            let bytes = &mut block[field..field + 3];
            let read = if big_endian {
                u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]])
            } else {
                u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0])
            };
            let offset = read.wrapping_sub(word) & 0xff_ffff;
            let out = if big_endian {
                [(offset >> 16) as u8, (offset >> 8) as u8, offset as u8]
            } else {
                [offset as u8, (offset >> 8) as u8, (offset >> 16) as u8]
            };
            bytes.copy_from_slice(&out);
        }
        at += 4;
    }
}

/// ARM64 B and BL: the 26-bit word offset became the absolute word index.
/// Every word but the last is looked at.
fn arm64_branches(block: &mut [u8]) {
    let mut at = 0;
    while at + 4 < block.len() {
        if block[at + 3] & 0x7c == 0x14 {
            let raw = [block[at], block[at + 1], block[at + 2], block[at + 3]];
            let insn = u32::from_le_bytes(raw);
            let offset = (insn & 0x03ff_ffff).wrapping_sub((at / 4) as u32) & 0x03ff_ffff;
            let restored = (insn & 0xfc00_0000) | offset;
            block[at..at + 4].copy_from_slice(&restored.to_le_bytes());
        }
        at += 4;
    }
}

/// PowerPC `b`/`bl` (I-form, opcode 18) whose top four offset bits equal
/// `cto`: the byte offset became the absolute byte address. Words are read
/// big-endian (UPX reads them so on ppc64le too), within the first 4 MiB.
fn powerpc_branches(block: &mut [u8], cto: u8) {
    let end = block.len().min(0x40_0000);
    let mut at = 0;
    while at + 4 <= end {
        let insn = u32::from_be_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]);
        if insn >> 26 == 18 && (insn >> 22) & 0x0f == u32::from(cto) {
            let absolute = insn & 0x003f_fffc;
            let offset = absolute.wrapping_sub(at as u32) & 0x03ff_fffc;
            let restored = (insn & 0xfc00_0003) | offset;
            block[at..at + 4].copy_from_slice(&restored.to_be_bytes());
        }
        at += 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_x86_call_comes_back_relative() {
        // cto 0x3f, a CALL at 0x10 whose operand says absolute 0x1234.
        let mut block = vec![0x90; 0x20];
        block[0x10..0x15].copy_from_slice(&[0xe8, 0x3f, 0x00, 0x12, 0x34]);
        assert!(unfilter(0x49, 0x3f, &mut block));
        assert_eq!(&block[0x10..0x15], &[0xe8, 0x23, 0x12, 0x00, 0x00]);
        // Without the marker the bytes are left alone.
        let mut other = vec![0x90; 0x20];
        other[0x10..0x15].copy_from_slice(&[0xe8, 0x40, 0x00, 0x12, 0x34]);
        let before = other.clone();
        unfilter(0x49, 0x3f, &mut other);
        assert_eq!(other, before);
    }

    #[test]
    fn jcc_is_undone_by_0x49_only() {
        let block = {
            let mut b = vec![0x90; 0x20];
            b[0x08..0x0e].copy_from_slice(&[0x0f, 0x84, 0x06, 0x00, 0x01, 0x00]);
            b
        };
        let mut with_jcc = block.clone();
        unfilter(0x49, 0x06, &mut with_jcc);
        // Absolute 0x100 from the operand at 0x0a.
        assert_eq!(&with_jcc[0x0a..0x0e], &0xf6u32.to_le_bytes());
        let mut calls_only = block.clone();
        unfilter(0x46, 0x06, &mut calls_only);
        assert_eq!(calls_only, block);
    }

    #[test]
    fn arm_and_arm64_branches_come_back_relative_except_the_last_word() {
        // BL at word 3 with absolute index 0x10 → offset 0x0d.
        let mut le = vec![0; 16];
        le[12..16].copy_from_slice(&0xeb00_0010u32.to_le_bytes());
        le[4..8].copy_from_slice(&0xeb00_0010u32.to_le_bytes());
        unfilter(0x50, 0, &mut le);
        assert_eq!(&le[4..8], &0xeb00_000fu32.to_le_bytes());
        assert_eq!(&le[12..16], &0xeb00_0010u32.to_le_bytes(), "last word");
        let mut be = vec![0; 16];
        be[4..8].copy_from_slice(&0xeb00_0010u32.to_be_bytes());
        unfilter(0x51, 0, &mut be);
        assert_eq!(&be[4..8], &0xeb00_000fu32.to_be_bytes());
        let mut a64 = vec![0; 16];
        a64[8..12].copy_from_slice(&0x9400_0001u32.to_le_bytes());
        unfilter(0x52, 0, &mut a64);
        // Word 2, absolute 1 → offset −1 in 26 bits.
        assert_eq!(&a64[8..12], &0x97ff_ffffu32.to_le_bytes());
    }

    #[test]
    fn powerpc_branches_with_the_marker_come_back_relative() {
        let mut block = vec![0; 16];
        // bl to absolute 0x100 at offset 8, marker 0.
        block[8..12].copy_from_slice(&0x4800_0101u32.to_be_bytes());
        unfilter(0xd0, 0, &mut block);
        assert_eq!(&block[8..12], &0x4800_00f9u32.to_be_bytes());
    }

    #[test]
    fn unknown_ids_and_short_blocks_are_left_alone() {
        let mut block = vec![0xe8; 5];
        assert!(!unfilter(0x26, 0xe8, &mut block));
        assert!(unfilter(0x49, 0xe8, &mut block), "known id");
        assert_eq!(block, vec![0xe8; 5], "shorter than the filter's minimum");
    }
}
