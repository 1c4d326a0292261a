#![no_main]
//! Probe, list and read `openssl-salted` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("openssl-salted", data));
