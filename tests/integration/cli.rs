//! The command line as a user meets it.

use std::path::Path;

use assert_cmd::Command;

fn firmsight() -> Command {
    let mut cmd = Command::cargo_bin("firmsight").expect("binary built");
    cmd.env_remove("SOURCE_DATE_EPOCH").env("NO_COLOR", "1");
    cmd
}

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

#[test]
fn help_shows_examples() {
    let out = firmsight().args(["scan", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("firmsight scan camera.bin -o camera.cdx.json"),
        "{text}"
    );
    assert!(text.contains("--reproducible"));
    assert!(text.contains("--extract"));
}

#[test]
fn scan_writes_sbom_to_stdout_and_summary_to_stderr() {
    let out = firmsight()
        .args(["scan", &sample("camera-update.zip")])
        .assert()
        .success();
    let output = out.get_output();
    let bom = json(&output.stdout);
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["component"]["type"], "firmware");
    assert_eq!(bom["metadata"]["component"]["name"], "camera-update.zip");
    assert_eq!(bom["components"].as_array().expect("array").len(), 14);
    assert_eq!(
        bom["metadata"]["component"]["manufacturer"]["name"],
        "Dahua"
    );
    assert_eq!(bom["compositions"][0]["aggregate"], "incomplete");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "unpacked",
        "gzip ×1",
        "tar ×1",
        "zip ×1",
        "8 ELF",
        "OEM: Dahua (strong: oem_dahua_proc",
        "SoC: HiSilicon Hi3516EV200",
        "sensor: Sony IMX307",
        "0 budget hits, 0 errors",
        "time",
    ] {
        assert!(stderr.contains(needle), "{needle} missing from:\n{stderr}");
    }
    assert!(!stderr.contains('\x1b'), "NO_COLOR is honoured");
}

#[test]
fn output_file_and_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.cdx.json");
    let out = firmsight()
        .args(["-q", "scan", &sample("nvr-rootfs.tar.xz"), "-o"])
        .arg(&path)
        .assert()
        .success();
    assert!(out.get_output().stdout.is_empty());
    assert!(out.get_output().stderr.is_empty());
    let bom = json(&std::fs::read(&path).expect("written"));
    assert_eq!(bom["components"].as_array().expect("array").len(), 4);
}

#[test]
fn reproducible_output_is_byte_identical_at_any_thread_count() {
    let run = |threads: &str| {
        firmsight()
            .args([
                "-q",
                "-j",
                threads,
                "scan",
                "--reproducible",
                &sample("camera-update.zip"),
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
    let bom = json(&one);
    assert_eq!(bom["metadata"]["timestamp"], "1970-01-01T00:00:00Z");
    let serial = bom["serialNumber"].as_str().expect("serial");
    assert!(
        serial.starts_with("urn:uuid:") && serial.as_bytes()[23] == b'5',
        "{serial}"
    );

    let sde = firmsight()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["-q", "scan", &sample("camera-update.zip")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let bom = json(&sde);
    assert_eq!(bom["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    assert_eq!(bom["serialNumber"].as_str(), Some(serial));
}

#[test]
fn plain_runs_get_fresh_serial_numbers() {
    let serial = || {
        json(
            &firmsight()
                .args(["-q", "scan", &sample("sensor-modules.tar.zst")])
                .assert()
                .success()
                .get_output()
                .stdout,
        )["serialNumber"]
            .as_str()
            .expect("serial")
            .to_string()
    };
    assert_ne!(serial(), serial());
}

#[test]
fn errors_are_one_line_and_exit_2() {
    for args in [
        vec!["scan", "/nonexistent/fw.bin"],
        vec!["scan", env!("CARGO_MANIFEST_DIR")],
    ] {
        let out = firmsight().args(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
    firmsight().args(["scan"]).assert().code(2);
    firmsight()
        .args(["scan", "--format", "spdx", "x"])
        .assert()
        .code(2);
}

#[test]
fn a_corrupt_image_still_gives_an_sbom() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.tar.gz");
    let mut bytes = std::fs::read(Path::new(&sample("camera-update.zip"))).expect("read");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&path, &bytes).expect("write");
    let out = firmsight().arg("scan").arg(&path).assert().success();
    let bom = json(&out.get_output().stdout);
    assert_eq!(bom["metadata"]["component"]["name"], "broken.tar.gz");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr.contains("error:") || stderr.contains("1 errors"),
        "{stderr}"
    );
}

#[test]
fn extract_flag_writes_the_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("x");
    firmsight()
        .args(["-q", "scan", "--extract"])
        .arg(&out)
        .arg(sample("nvr-rootfs.tar.xz"))
        .assert()
        .success();
    assert!(out.join("nvr-rootfs.tar.extracted/bin/busybox").is_file());
    assert!(
        out.join("nvr-rootfs.tar.extracted/opt/ai/detector")
            .is_file()
    );
}

#[test]
fn a_policy_gives_the_verdict_exit_code_sbom_properties_and_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let md = dir.path().join("report.md");
    let out = firmsight()
        .args(["scan", &sample("camera-update.zip"), "--policy", "default"])
        .args(["--as-of", "2026-11-23", "--fail-on", "deny", "--report"])
        .arg(&html)
        .assert()
        .code(1);
    let output = out.get_output();
    let bom = json(&output.stdout);
    let properties = bom["metadata"]["properties"]
        .as_array()
        .expect("properties");
    let value = |name: &str| {
        properties
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["value"].as_str())
            .map(str::to_string)
    };
    assert_eq!(value("firmsight:policy:verdict").as_deref(), Some("deny"));
    assert_eq!(
        value("firmsight:policy:as-of").as_deref(),
        Some("2026-11-23")
    );
    // The SoC component carries its own flag.
    let soc = bom["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "HiSilicon Hi3516EV200")
        .expect("soc");
    assert!(
        soc["properties"]
            .as_array()
            .expect("props")
            .iter()
            .any(|p| {
                p["name"] == "firmsight:policy:rule" && p["value"] == "covered-telecom-component"
            })
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("policy       deny — deny covered-video-surveillance-maker (Dahua)"),
        "{stderr}"
    );

    let page = std::fs::read_to_string(&html).expect("html report");
    assert!(page.starts_with("<!DOCTYPE html>"));
    // A report names the image by SHA-256 and SHA-512 (a plain scan does
    // not compute the SHA-512).
    assert!(page.contains("SHA-512"), "image digest in the report");
    assert!(page.contains("class=\"verdict deny\">DENY<"));
    assert!(
        !page.contains("<script") && page.contains("default-src 'none'"),
        "self-contained, no scripts"
    );
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no external assets"
    );

    // --fail-on deny passes a review; --fail-on review does not.
    firmsight()
        .args([
            "-q",
            "scan",
            &sample("flash-dump.bin"),
            "--policy",
            "default",
        ])
        .args(["--fail-on", "deny", "--report"])
        .arg(&md)
        .assert()
        .success();
    let text = std::fs::read_to_string(&md).expect("md report");
    assert!(text.contains("## Verdict: **"), "{text}");
    firmsight()
        .args([
            "-q",
            "scan",
            &sample("camera-update.zip"),
            "--policy",
            "default",
        ])
        .args(["--fail-on", "review", "-o"])
        .arg(dir.path().join("x.json"))
        .assert()
        .code(1);

    // A broken policy is an error with its line.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[rule]]\nid = \"x\"\naction = \"block\"\n").expect("write");
    let out = firmsight()
        .args(["-q", "scan", &sample("flash-dump.bin"), "--policy"])
        .arg(&bad)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("bad.toml:3:"), "{stderr}");
}

#[test]
fn check_passes_our_bsi_profile_and_names_what_another_sbom_lacks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bsi = dir.path().join("bsi.cdx.json");
    let plain = dir.path().join("plain.cdx.json");
    firmsight()
        .args([
            "-q",
            "scan",
            &sample("camera-update.zip"),
            "--profile",
            "bsi",
        ])
        .args(["--sbom-author", "sbom@example.org", "-o"])
        .arg(&bsi)
        .assert()
        .success();
    let out = firmsight().arg("check").arg(&bsi).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("passes BSI TR-03183-2 v2.0"), "{stderr}");
    let bom = json(&std::fs::read(&bsi).expect("read"));
    let busybox = bom["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "busybox")
        .expect("busybox");
    assert!(
        busybox["hashes"]
            .as_array()
            .expect("hashes")
            .iter()
            .any(|h| h["alg"] == "SHA-512")
    );

    firmsight()
        .args(["-q", "scan", &sample("camera-update.zip"), "-o"])
        .arg(&plain)
        .assert()
        .success();
    let out = firmsight().arg("check").arg(&plain).assert().code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(stdout.contains("missing  metadata.authors"), "{stdout}");
    assert!(
        stdout.contains("`bsi:component:filename` missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SHA-512 of the deployable file missing"),
        "{stdout}"
    );
    firmsight()
        .args(["check", "--profile", "ntia"])
        .arg(&plain)
        .assert()
        .code(1);
}
