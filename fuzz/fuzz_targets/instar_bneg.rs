#![no_main]
//! Probe, list and read `instar-bneg` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("instar-bneg", data));
