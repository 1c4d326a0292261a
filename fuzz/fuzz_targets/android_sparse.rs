#![no_main]
//! Probe, list and read `android-sparse` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("android-sparse", data));
