#![no_main]
//! Probe, list and read `bzip2` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("bzip2", data));
