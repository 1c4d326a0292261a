#![no_main]
//! The whole pipeline (every format, carving, identification) on arbitrary
//! bytes, with small budgets so each input stays fast.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let options = firmsight::ScanOptions {
        limits: firmsight::Limits {
            max_total_bytes: Some(64 << 20),
            max_entries: Some(10_000),
            ..firmsight::Limits::default()
        },
        ..Default::default()
    };
    let _ = firmsight::scan_bytes("fuzz.bin", firmsight::Bytes::from_vec(data.to_vec()), &options);
});
