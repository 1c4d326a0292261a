#![no_main]
//! Probe, list and read `hichip-pkg` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("hichip-pkg", data));
