#![no_main]
//! Probe, list and read `cab` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("cab", data));
