#![no_main]
//! Probe, list and read `elf-appended` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("elf-appended", data));
