//! Embeds the identification data under `signatures/` in the binary, so a
//! single file carries everything it needs. Each file is one entry of a
//! generated list; the data is parsed (and checked) at run time and by the
//! tests that walk every classifier and every rule.

use std::fs;
use std::path::Path;

fn main() {
    embed(
        "classifiers",
        "toml",
        "BUILTIN_CLASSIFIERS",
        "classifiers.rs",
    );
    embed("yara", "yar", "BUILTIN_RULES", "rules.rs");
}

/// Write `$OUT_DIR/<out>` with a static list `name` of (file name,
/// contents) for every `*.ext` file in `signatures/<dir>`, sorted by name.
fn embed(dir: &str, ext: &str, name: &str, out: &str) {
    // Read at run time: `env!` would keep the directory the build script
    // was compiled in, which cargo reuses for a checkout of the same
    // package elsewhere (a worktree sharing the target directory).
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("signatures").join(dir);
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = format!(
        "/// Built-in `signatures/{}/*.{ext}` files: (file name, contents).\npub static {name}: &[(&str, &str)] = &[\n",
        dir.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    for path in &files {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        code.push_str(&format!(
            "    ({file:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(out);
    fs::write(target, code).expect("write the generated list");
}
