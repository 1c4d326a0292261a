//! Regenerate `samples/` from `firmsight::samples`:
//! `cargo run --example make-samples`. The test `samples_match_generator`
//! fails when the committed files and this generator disagree.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&dir)?;
    for sample in firmsight::samples::all() {
        let path = dir.join(sample.name);
        std::fs::write(&path, &sample.bytes)?;
        println!(
            "{:>8} bytes  {}  {}",
            sample.bytes.len(),
            path.display(),
            sample.description
        );
    }
    Ok(())
}
