#![no_main]
//! Probe, list and read `ar` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("ar", data));
