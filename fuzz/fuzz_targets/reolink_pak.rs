#![no_main]
//! Probe, list and read `reolink-pak` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("reolink-pak", data));
