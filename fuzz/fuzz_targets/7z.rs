#![no_main]
//! Probe, list and read `7z` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("7z", data));
