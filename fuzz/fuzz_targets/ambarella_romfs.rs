#![no_main]
//! Probe, list and read `ambarella-romfs` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("ambarella-romfs", data));
