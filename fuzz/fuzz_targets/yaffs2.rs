#![no_main]
//! Probe, list and read `yaffs2` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("yaffs2", data));
