#![no_main]
//! Probe, list and read `lz4` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("lz4", data));
