#![no_main]
//! Probe, list and read `jffs2` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("jffs2", data));
