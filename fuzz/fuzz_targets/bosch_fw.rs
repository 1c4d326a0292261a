#![no_main]
//! Probe, list and read `bosch-fw` from arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| firmsight::unpack::exercise("bosch-fw", data));
