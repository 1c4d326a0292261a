#![no_main]
//! Probe, list and read `upx` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("upx", data));
