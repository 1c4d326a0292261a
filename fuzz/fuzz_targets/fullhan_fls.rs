#![no_main]
//! Probe, list and read `fullhan-fls` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("fullhan-fls", data));
