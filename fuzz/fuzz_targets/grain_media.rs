#![no_main]
//! Probe, list and read `grain-media` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("grain-media", data));
