#![no_main]
//! Probe, list and read `dahua-zip` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("dahua-zip", data));
