#![no_main]
//! Probe, list and read `tenvis-pk2` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("tenvis-pk2", data));
