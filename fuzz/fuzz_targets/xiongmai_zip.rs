#![no_main]
//! Probe, list and read `xiongmai-zip` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("xiongmai-zip", data));
