#![no_main]
//! Probe, list and read `linux-kernel` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("linux-kernel", data));
