//! Branch-call filters (BCJ) reversed: executables compress better when
//! the relative targets of calls and branches are made absolute before
//! compression; decoding turns them back. x86, ARM, ARM-Thumb, ARM64,
//! PowerPC and SPARC, as 7-Zip and xz define them (the same transforms
//! liblzma applies, which the tests hold these to). Used where the filter
//! cannot run inside liblzma's own chain (7z's LZMA1 streams have no end
//! marker, so liblzma would hold back the last bytes).

/// A branch filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    /// x86 `CALL`/`JMP` (E8/E9) with 32-bit displacements.
    X86,
    /// PowerPC `bl` (big-endian).
    PowerPc,
    /// ARM `BL` (little-endian).
    Arm,
    /// ARM-Thumb `BL` pairs.
    ArmThumb,
    /// ARM64 `BL` and `ADRP`.
    Arm64,
    /// SPARC `call`.
    Sparc,
}

/// Undo `branch` on `data`, which starts at stream position 0.
pub fn unfilter(branch: Branch, data: &mut [u8]) {
    match branch {
        Branch::X86 => x86(data),
        Branch::PowerPc => powerpc(data),
        Branch::Arm => arm(data),
        Branch::ArmThumb => arm_thumb(data),
        Branch::Arm64 => arm64(data),
        Branch::Sparc => sparc(data),
    }
}

fn arm(data: &mut [u8]) {
    let mut i = 0;
    while i + 4 <= data.len() {
        if data[i + 3] == 0xeb {
            let src =
                (u32::from(data[i + 2]) << 16 | u32::from(data[i + 1]) << 8 | u32::from(data[i]))
                    << 2;
            let dest = src.wrapping_sub(i as u32 + 8) >> 2;
            data[i + 2] = (dest >> 16) as u8;
            data[i + 1] = (dest >> 8) as u8;
            data[i] = dest as u8;
        }
        i += 4;
    }
}

fn arm_thumb(data: &mut [u8]) {
    let mut i = 0;
    while i + 4 <= data.len() {
        if data[i + 1] & 0xf8 == 0xf0 && data[i + 3] & 0xf8 == 0xf8 {
            let src = ((u32::from(data[i + 1]) & 7) << 19
                | u32::from(data[i]) << 11
                | (u32::from(data[i + 3]) & 7) << 8
                | u32::from(data[i + 2]))
                << 1;
            let dest = src.wrapping_sub(i as u32 + 4) >> 1;
            data[i + 1] = 0xf0 | ((dest >> 19) & 7) as u8;
            data[i] = (dest >> 11) as u8;
            data[i + 3] = 0xf8 | ((dest >> 8) & 7) as u8;
            data[i + 2] = dest as u8;
            i += 2;
        }
        i += 2;
    }
}

fn powerpc(data: &mut [u8]) {
    let mut i = 0;
    while i + 4 <= data.len() {
        if data[i] >> 2 == 0x12 && data[i + 3] & 3 == 1 {
            let src = (u32::from(data[i]) & 3) << 24
                | u32::from(data[i + 1]) << 16
                | u32::from(data[i + 2]) << 8
                | (u32::from(data[i + 3]) & !3);
            let dest = src.wrapping_sub(i as u32);
            data[i] = 0x48 | ((dest >> 24) & 3) as u8;
            data[i + 1] = (dest >> 16) as u8;
            data[i + 2] = (dest >> 8) as u8;
            data[i + 3] = (data[i + 3] & 3) | (dest as u8 & !3);
        }
        i += 4;
    }
}

fn sparc(data: &mut [u8]) {
    let mut i = 0;
    while i + 4 <= data.len() {
        if (data[i] == 0x40 && data[i + 1] & 0xc0 == 0x00)
            || (data[i] == 0x7f && data[i + 1] & 0xc0 == 0xc0)
        {
            let src = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) << 2;
            let dest = src.wrapping_sub(i as u32) >> 2;
            let dest = ((0u32.wrapping_sub((dest >> 22) & 1) << 22) & 0x3fff_ffff)
                | (dest & 0x3f_ffff)
                | 0x4000_0000;
            data[i..i + 4].copy_from_slice(&dest.to_be_bytes());
        }
        i += 4;
    }
}

fn arm64(data: &mut [u8]) {
    let mut i = 0;
    while i + 4 <= data.len() {
        let word = u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        let pc = i as u32;
        if word >> 26 == 0x25 {
            // BL: 26-bit word offset.
            let dest = word.wrapping_sub(pc >> 2) & 0x03ff_ffff;
            data[i..i + 4].copy_from_slice(&(0x9400_0000 | dest).to_le_bytes());
        } else if word & 0x9f00_0000 == 0x9000_0000 {
            // ADRP: 21-bit page offset, converted only within +-512 MiB.
            let src = ((word >> 29) & 3) | ((word >> 3) & 0x001f_fffc);
            if (src.wrapping_add(0x0002_0000)) & 0x001c_0000 == 0 {
                let dest = src.wrapping_sub(pc >> 12);
                let mut out = word & 0x9000_001f;
                out |= (dest & 3) << 29;
                out |= (dest & 0x0003_fffc) << 3;
                out |= 0u32.wrapping_sub(dest & 0x0002_0000) & 0x00e0_0000;
                data[i..i + 4].copy_from_slice(&out.to_le_bytes());
            }
        }
        i += 4;
    }
}

fn x86(data: &mut [u8]) {
    // Whether the byte after an E8/E9 may start a converted displacement,
    // by the mask of recent E8/E9 bytes (xz's x86 filter).
    const ALLOWED: [bool; 8] = [true, true, true, false, true, false, false, false];
    const BIT: [u32; 8] = [0, 1, 2, 2, 3, 3, 3, 3];
    let ms_byte = |b: u8| b == 0 || b == 0xff;
    if data.len() < 5 {
        return;
    }
    let mut prev_mask: u32 = 0;
    let mut prev_pos: u32 = 0u32.wrapping_sub(5);
    let limit = data.len() - 5;
    let mut pos = 0usize;
    while pos <= limit {
        let b = data[pos];
        if b != 0xe8 && b != 0xe9 {
            pos += 1;
            continue;
        }
        let offset = (pos as u32).wrapping_sub(prev_pos);
        prev_pos = pos as u32;
        if offset > 5 {
            prev_mask = 0;
        } else {
            for _ in 0..offset {
                prev_mask &= 0x77;
                prev_mask <<= 1;
            }
        }
        let b = data[pos + 4];
        if ms_byte(b) && ALLOWED[((prev_mask >> 1) & 7) as usize] && (prev_mask >> 1) < 0x10 {
            let mut src = u32::from_le_bytes([data[pos + 1], data[pos + 2], data[pos + 3], b]);
            let dest = loop {
                let dest = src.wrapping_sub(pos as u32 + 5);
                if prev_mask == 0 {
                    break dest;
                }
                let i = BIT[(prev_mask >> 1) as usize & 7];
                let top = (dest >> (24 - i * 8)) as u8;
                if !ms_byte(top) {
                    break dest;
                }
                src = dest ^ ((1u32 << (32 - i * 8)) - 1);
            };
            data[pos + 4] = !((((dest >> 24) & 1) as u8).wrapping_sub(1));
            data[pos + 3] = (dest >> 16) as u8;
            data[pos + 2] = (dest >> 8) as u8;
            data[pos + 1] = dest as u8;
            pos += 5;
            prev_mask = 0;
        } else {
            pos += 1;
            prev_mask |= 1;
            if ms_byte(b) {
                prev_mask |= 0x10;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Machine-code-like bytes: every branch opcode pattern at many
    /// alignments, among data.
    fn code() -> Vec<u8> {
        let mut out = Vec::new();
        let mut seed = 0x1234_5678u32;
        for i in 0..20_000u32 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let r = seed >> 8;
            match i % 9 {
                0 => out.extend([0xe8, r as u8, (r >> 8) as u8, 0, 0]),
                1 => out.extend([0xe9, r as u8, (r >> 8) as u8, 0xff, 0xff]),
                2 => out.extend([r as u8, (r >> 8) as u8, 0x01, 0xeb]),
                3 => out.extend([r as u8, 0xf0 | (r as u8 & 7), (r >> 8) as u8, 0xf8]),
                4 => out.extend([0x48 | (r as u8 & 3), (r >> 8) as u8, r as u8, 0x01]),
                5 => out.extend([0x40, (r as u8) & 0x3f, (r >> 8) as u8, r as u8]),
                6 => out.extend(((0x25 << 26) | (r & 0x03ff_ffff)).to_le_bytes()),
                7 => out.extend((0x9000_0000 | (r & 0x00ff_ffe0)).to_le_bytes()),
                _ => out.extend([r as u8, (r >> 3) as u8, (r >> 5) as u8]),
            }
        }
        out
    }

    /// liblzma's own filter: encode with it and LZMA2, decode LZMA2
    /// alone; what remains to undo is exactly the filter.
    fn filtered_by_liblzma(branch: Branch, data: &[u8]) -> Vec<u8> {
        let options = liblzma::stream::LzmaOptions::new_preset(1).expect("preset");
        let mut chain = liblzma::stream::Filters::new();
        match branch {
            Branch::X86 => chain.x86(),
            Branch::PowerPc => chain.powerpc(),
            Branch::Arm => chain.arm(),
            Branch::ArmThumb => chain.arm_thumb(),
            Branch::Arm64 => chain.arm64(),
            Branch::Sparc => chain.sparc(),
        };
        chain.lzma2(&options);
        let packed = run(
            liblzma::stream::Stream::new_raw_encoder(&chain).expect("encoder"),
            data,
            liblzma::stream::Action::Finish,
        );
        let mut plain = liblzma::stream::Filters::new();
        plain.lzma2(&options);
        run(
            liblzma::stream::Stream::new_raw_decoder(&plain).expect("decoder"),
            &packed,
            liblzma::stream::Action::Run,
        )
    }

    fn run(
        mut stream: liblzma::stream::Stream,
        input: &[u8],
        action: liblzma::stream::Action,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let consumed = stream.total_in() as usize;
            out.reserve(1 << 16);
            let status = stream
                .process_vec(&input[consumed..], &mut out, action)
                .expect("process");
            if status == liblzma::stream::Status::StreamEnd
                || (consumed == input.len() && out.len() < out.capacity())
            {
                return out;
            }
        }
    }

    #[test]
    fn each_filter_undoes_what_liblzma_applies() {
        let original = code();
        for branch in [
            Branch::X86,
            Branch::PowerPc,
            Branch::Arm,
            Branch::ArmThumb,
            Branch::Arm64,
            Branch::Sparc,
        ] {
            let mut filtered = filtered_by_liblzma(branch, &original);
            assert_eq!(filtered.len(), original.len(), "{branch:?}");
            assert_ne!(
                filtered, original,
                "{branch:?}: the sample holds no branches"
            );
            unfilter(branch, &mut filtered);
            assert_eq!(filtered, original, "{branch:?}");
        }
    }
}
