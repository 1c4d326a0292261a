//! LZO1X decompression (the codec of lzop, SquashFS, JFFS2 and UBIFS),
//! written after the structure of Linux `lib/lzo/lzo1x_decompress_safe.c`.
//!
//! Our own because the permissive crate we measured (`lzokay-native`)
//! indexes out of bounds on corrupt input and treats the output size only
//! as a hint. Here every read and write is bounds-checked and the output
//! never grows past `limit`: corrupt or hostile input is an error.

use std::fmt;

/// Why a stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lzo1xError {
    /// The input ended inside an instruction.
    InputOverrun,
    /// The output would exceed its limit.
    OutputOverrun,
    /// A match points before the start of the output.
    LookBehind,
    /// The stream ends in an impossible state.
    Corrupt,
}

impl fmt::Display for Lzo1xError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lzo1xError::InputOverrun => "input ends inside an instruction",
            Lzo1xError::OutputOverrun => "output exceeds its expected size",
            Lzo1xError::LookBehind => "match before the start of the output",
            Lzo1xError::Corrupt => "corrupt stream",
        })
    }
}

impl std::error::Error for Lzo1xError {}

const M2_MAX_OFFSET: usize = 0x0800;

struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn byte(&mut self) -> Result<usize, Lzo1xError> {
        let b = *self.data.get(self.pos).ok_or(Lzo1xError::InputOverrun)?;
        self.pos += 1;
        Ok(usize::from(b))
    }

    fn le16(&mut self) -> Result<usize, Lzo1xError> {
        Ok(self.byte()? | self.byte()? << 8)
    }

    fn peek(&self) -> Result<u8, Lzo1xError> {
        self.data
            .get(self.pos)
            .copied()
            .ok_or(Lzo1xError::InputOverrun)
    }

    /// A run length extended by zero bytes (each worth 255) and a final byte.
    fn long_length(&mut self, base: usize) -> Result<usize, Lzo1xError> {
        let mut zeros = 0usize;
        while self.peek()? == 0 {
            self.pos += 1;
            zeros += 1;
        }
        let last = self.byte()?;
        zeros
            .checked_mul(255)
            .and_then(|n| n.checked_add(base + last))
            .ok_or(Lzo1xError::Corrupt)
    }
}

fn literals(
    input: &mut Input<'_>,
    out: &mut Vec<u8>,
    n: usize,
    limit: usize,
) -> Result<(), Lzo1xError> {
    let run = input
        .data
        .get(input.pos..input.pos + n)
        .ok_or(Lzo1xError::InputOverrun)?;
    if out.len() + n > limit {
        return Err(Lzo1xError::OutputOverrun);
    }
    out.extend_from_slice(run);
    input.pos += n;
    Ok(())
}

fn copy_match(out: &mut Vec<u8>, back: usize, len: usize, limit: usize) -> Result<(), Lzo1xError> {
    if back == 0 || back > out.len() {
        return Err(Lzo1xError::LookBehind);
    }
    if out.len() + len > limit {
        return Err(Lzo1xError::OutputOverrun);
    }
    let start = out.len() - back;
    for i in 0..len {
        let b = out[start + i];
        out.push(b);
    }
    Ok(())
}

/// Decode `input` into at most `limit` bytes.
pub fn decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, Lzo1xError> {
    let mut out = Vec::with_capacity(limit.min(input.len().saturating_mul(4)).min(1 << 20));
    let mut ip = Input {
        data: input,
        pos: 0,
    };
    if input.len() < 3 {
        return Err(Lzo1xError::InputOverrun);
    }
    // `state`: 0 after a match with no trailing literals, 1–3 after a match
    // with that many, 4 after a literal run.
    let mut state;
    let first = ip.peek()?;
    if first > 17 {
        ip.pos += 1;
        let t = usize::from(first) - 17;
        literals(&mut ip, &mut out, t, limit)?;
        state = if t < 4 { t } else { 4 };
    } else {
        state = 0;
    }
    loop {
        let t = ip.byte()?;
        let (back, len, next);
        if t < 16 {
            match state {
                0 => {
                    let n = if t == 0 { ip.long_length(15)? } else { t } + 3;
                    literals(&mut ip, &mut out, n, limit)?;
                    state = 4;
                    continue;
                }
                4 => {
                    // M1 after a literal run: 3 bytes, beyond M2's reach.
                    next = t & 3;
                    back = 1 + M2_MAX_OFFSET + (t >> 2) + (ip.byte()? << 2);
                    len = 3;
                }
                _ => {
                    // M1 after a match's trailing literals: 2 bytes.
                    next = t & 3;
                    back = 1 + (t >> 2) + (ip.byte()? << 2);
                    len = 2;
                }
            }
        } else if t >= 64 {
            // M2: 3–8 bytes within 2 KiB.
            next = t & 3;
            back = 1 + ((t >> 2) & 7) + (ip.byte()? << 3);
            len = (t >> 5) + 1;
        } else if t >= 32 {
            // M3: any length within 16 KiB.
            len = if t & 31 == 0 {
                ip.long_length(31)?
            } else {
                t & 31
            } + 2;
            let word = ip.le16()?;
            back = 1 + (word >> 2);
            next = word & 3;
        } else {
            // M4: any length from 16 KiB to 48 KiB back, or the end marker.
            len = if t & 7 == 0 {
                ip.long_length(7)?
            } else {
                t & 7
            } + 2;
            let word = ip.le16()?;
            let distance = ((t & 8) << 11) + (word >> 2);
            next = word & 3;
            if distance == 0 {
                // End of stream: `11 00 00`, all input consumed.
                // Bytes after the end marker are tolerated, as lzop does.
                return if len == 3 {
                    Ok(out)
                } else {
                    Err(Lzo1xError::Corrupt)
                };
            }
            back = distance + 0x4000;
        }
        copy_match(&mut out, back, len, limit)?;
        literals(&mut ip, &mut out, next, limit)?;
        state = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        let compressed = lzokay_native::compress(data).expect("compress");
        assert_eq!(decompress(&compressed, data.len()).as_deref(), Ok(data));
    }

    #[test]
    fn decodes_what_lzo1x_compressors_write() {
        round_trip(b"a");
        round_trip(b"hello hello hello hello hello");
        round_trip(&b"squashfs block ".repeat(5000));
        let mixed: Vec<u8> = (0..70_000u32).map(|i| ((i * 7) ^ (i >> 3)) as u8).collect();
        round_trip(&mixed);
        let far: Vec<u8> = (0..200_000u32).map(|i| (i % 40_000 / 7) as u8).collect();
        round_trip(&far);
    }

    #[test]
    fn hostile_streams_are_errors() {
        let data = b"config=1\n".repeat(300);
        let compressed = lzokay_native::compress(&data).expect("compress");
        // Too small a limit.
        assert_eq!(decompress(&compressed, 100), Err(Lzo1xError::OutputOverrun));
        // Every truncation and byte flip: an error or a bounded output.
        for cut in 0..compressed.len() {
            let _ = decompress(&compressed[..cut], data.len());
        }
        for i in 0..compressed.len() {
            let mut bad = compressed.clone();
            bad[i] ^= 0x5a;
            if let Ok(out) = decompress(&bad, data.len()) {
                assert!(out.len() <= data.len());
            }
        }
        // A match pointing before the output.
        assert_eq!(
            decompress(
                &[0x16, b'a', b'b', b'c', b'd', b'e', 0x40, 0xff, 0x11, 0, 0],
                100
            ),
            Err(Lzo1xError::LookBehind)
        );
    }
}
