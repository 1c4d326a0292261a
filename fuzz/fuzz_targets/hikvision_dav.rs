#![no_main]
//! Probe, list and read `hikvision-dav` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("hikvision-dav", data));
