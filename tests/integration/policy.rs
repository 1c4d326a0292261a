//! Every path of a procurement decision: deny, review, allow, the
//! allow-list's unknown maker, active and expired dispensations, a
//! relabelled brand resolved to its origin, a component-level flag in an
//! otherwise allowed product, capability rules.

use firmsight::policy::{Action, Dispensed, Outcome, Policy};
use firmsight::samples::{RootfsEntry, tar};
use firmsight::scan::ScanResult;
use firmsight::{Bytes, ScanOptions, scan_bytes, scan_path};
use time::macros::date;

fn scan(image: Vec<u8>, label: Option<&str>) -> ScanResult {
    let options = ScanOptions {
        label: label.map(str::to_string),
        ..ScanOptions::default()
    };
    scan_bytes("device.bin", Bytes::from_vec(image), &options).expect("scan")
}

fn default_policy() -> Policy {
    Policy::default_policy().expect("default policy")
}

fn camera_update() -> ScanResult {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/camera-update.zip");
    scan_path(&path, &ScanOptions::default()).expect("scan")
}

/// A Rust program whose cargo-auditable list names the `openssl` crate
/// (bindings, not OpenSSL).
fn rust_program_with_openssl_crate() -> Vec<u8> {
    firmsight::samples::rust_program(
        br#"{"packages":[{"name":"openssl","version":"0.10.66","source":"crates.io"},{"name":"camd","version":"1.0.0","source":"local","root":true}]}"#,
    )
}

/// An Axis-made camera (two independent medium markers).
fn axis_files() -> Vec<RootfsEntry> {
    vec![
        RootfsEntry::File(
            "usr/html/index.html",
            b"<a href=\"/axis-cgi/param.cgi\">".to_vec(),
        ),
        RootfsEntry::File(
            "usr/share/COPYRIGHT",
            b"Copyright Axis Communications AB".to_vec(),
        ),
    ]
}

const ALLOW_LIST: &str = r#"
[policy]
name = "Region approved list"
[[entity]]
id = "axis"
name = "Axis Communications AB"
aliases = ["Axis"]
[[entity]]
id = "huawei"
name = "Huawei Technologies Co., Ltd."
subsidiaries = ["HiSilicon"]
[[rule]]
id = "covered-soc"
entities = ["huawei"]
categories = ["soc"]
action = "review"
reason = "covered-entity SoC"
[allow_list]
entities = ["axis"]
"#;

#[test]
fn a_covered_oem_is_denied_with_its_citation() {
    let d = default_policy().evaluate(&camera_update(), None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Deny);
    let flag = d
        .flags
        .iter()
        .find(|f| f.rule == "covered-video-surveillance-maker")
        .expect("OEM flag");
    assert_eq!(flag.vendor, "Dahua");
    assert_eq!(
        flag.entity.as_deref(),
        Some("Zhejiang Dahua Technology Co., Ltd.")
    );
    assert!(
        flag.citation
            .as_deref()
            .is_some_and(|c| c.contains("FCC Covered List"))
    );
    assert!(!flag.evidence.is_empty(), "flags carry their evidence");
    // The HiSilicon SoC is a review on its own rule, and the P2P cloud too.
    let rules: Vec<&str> = d.flags.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"covered-telecom-component"), "{rules:?}");
    assert!(rules.contains(&"p2p-cloud"), "{rules:?}");
    assert!(rules.contains(&"telnet-static-root"), "{rules:?}");
}

#[test]
fn a_covered_soc_in_a_third_party_camera_is_review_not_deny() {
    let mut files = axis_files();
    files.push(RootfsEntry::File(
        "lib/modules/hi3516ev200_sys.ko",
        b"\0Hi3516EV200_MPP_V1.0.1.2 B030 Release\0".to_vec(),
    ));
    let result = scan(tar(&files), None);
    let d = default_policy().evaluate(&result, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(d.flags[0].rule, "covered-telecom-component");
    assert_eq!(d.flags[0].vendor, "HiSilicon");
    assert_eq!(
        d.flags[0].entity.as_deref(),
        Some("Huawei Technologies Co., Ltd.")
    );

    // In allow-list mode the maker is approved, the SoC still needs review.
    let policy = Policy::parse("list.toml", ALLOW_LIST, None).expect("policy");
    let d = policy.evaluate(&result, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Review);
    let actions: Vec<(&str, Action)> = d
        .flags
        .iter()
        .map(|f| (f.rule.as_str(), f.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("covered-soc", Action::Review),
            ("allow-list", Action::Allow)
        ]
    );
}

#[test]
fn an_approved_maker_passes_and_an_unknown_one_is_review() {
    let policy = Policy::parse("list.toml", ALLOW_LIST, None).expect("policy");
    let axis = scan(tar(&axis_files()), None);
    assert_eq!(
        policy.evaluate(&axis, None, date!(2026 - 11 - 23)).outcome,
        Outcome::Pass
    );

    let unknown = scan(
        tar(&[RootfsEntry::File("etc/motd", b"hello".to_vec())]),
        None,
    );
    let d = policy.evaluate(&unknown, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Review);
    assert!(d.flags[0].reason.contains("unknown maker"), "{:?}", d.flags);

    // Not on the list: denied.
    let dahua = camera_update();
    let d = policy.evaluate(&dahua, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Deny);
    assert!(
        d.flags
            .iter()
            .any(|f| f.reason == "Dahua is not on the approved list")
    );
}

#[test]
fn nothing_objectionable_passes_the_default_policy() {
    let axis = scan(tar(&axis_files()), None);
    let d = default_policy().evaluate(&axis, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Pass, "{:?}", d.flags);
    assert!(d.flags.is_empty());
}

#[test]
fn a_relabelled_brand_resolves_to_its_origin() {
    // Nothing in the image names a maker, but the label says EZVIZ: a
    // Hikvision brand. A label alone is a claim: review, not deny.
    let result = scan(
        tar(&[RootfsEntry::File("etc/motd", b"hi".to_vec())]),
        Some("EZVIZ"),
    );
    let d = default_policy().evaluate(&result, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(d.flags[0].vendor, "EZVIZ");
    assert_eq!(
        d.flags[0].entity.as_deref(),
        Some("Hangzhou Hikvision Digital Technology Co., Ltd.")
    );
    assert!(
        d.flags[0]
            .reason
            .starts_with("label brand EZVIZ is a brand of Hangzhou Hikvision")
    );

    // With evidence in the firmware, the device is denied on its origin.
    let hik = scan(
        tar(&[RootfsEntry::File("bin/psh", b"#!/bin/sh\n".to_vec())]),
        Some("EZVIZ"),
    );
    let d = default_policy().evaluate(&hik, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Deny);
    assert_eq!(d.flags[0].vendor, "Hikvision");
}

#[test]
fn dispensations_hold_until_their_expiry() {
    let result = camera_update();
    let sha = result.image.hashes.as_ref().expect("hashed").sha256_hex();
    let text = format!(
        "{}\n[[dispensation]]\nid = \"DISP-7\"\ncovers = {{ sha256 = \"{sha}\" }}\nreason = \"intensive-care camera, replacement ordered\"\ngranted_by = \"Region security board\"\ngranted = 2025-01-10\nexpires = 2026-12-31\ndevices = 14\n",
        firmsight::policy::DEFAULT_POLICY
    );
    let policy = Policy::parse("region.toml", &text, None).expect("policy");
    let d = policy.evaluate(&result, None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Dispensed);
    assert_eq!(
        d.dispensation,
        Some(Dispensed::Active {
            id: "DISP-7".into(),
            until: date!(2026 - 12 - 31),
            days_left: 39,
            reason: "intensive-care camera, replacement ordered".into(),
            granted_by: "Region security board".into(),
            devices: Some(14),
        })
    );
    assert_eq!(
        d.describe(),
        "dispensed until 2026-12-31 (39 days left; DISP-7)"
    );

    let d = policy.evaluate(&result, None, date!(2027 - 01 - 01));
    assert_eq!(d.outcome, Outcome::Deny);
    assert_eq!(
        d.describe(),
        "deny (dispensation DISP-7 expired since 2027-01-01)"
    );

    // Not yet granted on the as-of day: the deny stands.
    let d = policy.evaluate(&result, None, date!(2024 - 06 - 01));
    assert_eq!(d.outcome, Outcome::Deny);

    // A vendor dispensation covers the device only when every deny is
    // about that vendor: the telnet deny is not.
    let text = format!(
        "{}\n[[dispensation]]\nid = \"DISP-8\"\ncovers = {{ vendor = \"dahua\" }}\nreason = \"r\"\ngranted_by = \"g\"\ngranted = 2025-01-10\nexpires = 2030-01-01\n",
        firmsight::policy::DEFAULT_POLICY
    );
    let policy = Policy::parse("region.toml", &text, None).expect("policy");
    assert_eq!(
        policy
            .evaluate(&result, None, date!(2026 - 11 - 23))
            .outcome,
        Outcome::Deny
    );
}

#[test]
fn capability_rules_apply_without_any_maker() {
    let image = tar(&[
        RootfsEntry::File("etc/init.d/rcS", b"#!/bin/sh\ntelnetd &\n".to_vec()),
        RootfsEntry::File(
            "etc/shadow",
            b"root:$1$abc$0123456789abcdefghijkl:18000:0:99999:7:::\n".to_vec(),
        ),
    ]);
    let d = default_policy().evaluate(&scan(image, None), None, date!(2026 - 11 - 23));
    assert_eq!(d.outcome, Outcome::Deny);
    let rules: Vec<&str> = d.flags.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["telnet-static-root", "services-without-tls"]);
    // A Rust program's `openssl` crate is not a TLS library in the image.
    let image = tar(&[
        RootfsEntry::File(
            "etc/init.d/rcS",
            b"#!/bin/sh
telnetd &
"
            .to_vec(),
        ),
        RootfsEntry::File("usr/bin/camd", rust_program_with_openssl_crate()),
    ]);
    let d = default_policy().evaluate(&scan(image, None), None, date!(2026 - 11 - 23));
    let rules: Vec<&str> = d.flags.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"services-without-tls"), "{rules:?}");
}

#[test]
fn vulnerabilities_go_to_a_separate_vex_with_bom_links() {
    use firmsight::sbom::{self, vex};
    // A Hikvision webLanguage handler (CVE-2021-36260 indicator) and an
    // openssl the user's own OSV file covers.
    let image = tar(&[RootfsEntry::File(
        "home/app/webs",
        b"\0PUT /SDK/webLanguage\0".to_vec(),
    )]);
    let result = scan(image, None);
    let bom = sbom::cyclonedx(&result, &sbom::SbomOptions::reproducible(0));
    let advisories = vex::load(&[]).expect("shipped advisories");
    let doc = vex::vex(&result, &bom, &advisories);
    let ids: Vec<&str> = doc.vulnerabilities.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2021-36260"]);
    let v = &doc.vulnerabilities[0];
    assert!(
        v.affects[0].reference.ends_with("/1#image"),
        "{:?}",
        v.affects
    );
    assert!(
        v.analysis
            .detail
            .contains("indicator vuln_hikvision_weblanguage")
    );
    assert_eq!(v.analysis.state, "in_triage");

    let camera = camera_update();
    let bom = sbom::cyclonedx(&camera, &sbom::SbomOptions::reproducible(0));
    let user = vex::parse(
        "user.osv.json",
        r#"{"id": "TEST-2026-1", "summary": "busybox test advisory",
            "affected": [{"package": {"name": "busybox"}, "versions": ["1.31.1"]}]}"#,
    )
    .expect("user OSV");
    let doc = vex::vex(&camera, &bom, &user);
    assert_eq!(doc.vulnerabilities.len(), 1);
    assert!(
        doc.vulnerabilities[0].affects[0]
            .reference
            .ends_with("#pkg:generic/busybox@1.31.1")
    );
    // An advisory for a C library by name does not reach a Rust crate of
    // the same name; one for the crate's purl does.
    let rust = scan(
        tar(&[RootfsEntry::File(
            "usr/bin/camd",
            rust_program_with_openssl_crate(),
        )]),
        None,
    );
    let rust_bom = sbom::cyclonedx(&rust, &sbom::SbomOptions::reproducible(0));
    for (package, matches) in [
        (r#"{"name": "openssl"}"#, 0),
        (r#"{"name": "openssl", "ecosystem": "Go"}"#, 0),
        (r#"{"name": "openssl", "ecosystem": "crates.io"}"#, 1),
        (r#"{"name": "openssl", "purl": "pkg:cargo/openssl"}"#, 1),
    ] {
        let advisory = vex::parse(
            "user.osv.json",
            &format!(
                r#"{{"id": "TEST-2026-2", "summary": "s", "affected": [{{"package": {package}, "versions": ["0.10.66"]}}]}}"#
            ),
        )
        .expect("user OSV");
        let doc = vex::vex(&rust, &rust_bom, &advisory);
        assert_eq!(doc.vulnerabilities.len(), matches, "{package}");
    }
    // Go modules: OSV's ranges write versions without the `v`; the
    // standard library is Go's `stdlib`.
    let modules = "path\texample.com/cam\nmod\texample.com/cam\tv1.0.0\t\n\
        dep\tgolang.org/x/net\tv0.7.0\th1:x=\ndep\tgolang.org/x/text\tv0.14.0\th1:y=\n";
    let go = firmsight::samples::go_program("go1.21.0", modules);
    let go = scan(tar(&[RootfsEntry::File("usr/bin/cam", go)]), None);
    let go_bom = sbom::cyclonedx(&go, &sbom::SbomOptions::reproducible(0));
    let fixed_at = |name: &str, fixed: &str| {
        format!(
            r#"{{"id": "GO-TEST", "summary": "s", "affected": [{{"package": {{"ecosystem": "Go", "name": "{name}"}}, "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
        )
    };
    for (name, fixed, matches) in [
        ("golang.org/x/net", "0.17.0", 1),
        ("golang.org/x/text", "0.3.8", 0),
        ("stdlib", "1.21.3", 1),
        ("stdlib", "1.20.10", 0),
    ] {
        let advisory = vex::parse("go.osv.json", &fixed_at(name, fixed)).expect("OSV");
        let doc = vex::vex(&go, &go_bom, &advisory);
        assert_eq!(
            doc.vulnerabilities.len(),
            matches,
            "{name} fixed in {fixed}"
        );
    }
    // An npm package by its scoped name, as OSV writes it (the purl
    // escapes the scope's `@`), and the web UI's jQuery by its banner.
    let web = scan(
        tar(&[
            RootfsEntry::File(
                "www/node_modules/@babel/core/package.json",
                br#"{"name": "@babel/core", "version": "7.23.0"}"#.to_vec(),
            ),
            RootfsEntry::File(
                "www/js/jquery.min.js",
                b"/*! jQuery v1.12.4 | (c) jQuery Foundation | jquery.org/license */\n".to_vec(),
            ),
        ]),
        None,
    );
    let web_bom = sbom::cyclonedx(&web, &sbom::SbomOptions::reproducible(0));
    for (name, fixed, matches) in [
        ("@babel/core", "7.23.2", 1),
        ("@babel/core", "7.22.0", 0),
        ("%40babel/core", "7.23.2", 0),
        ("jquery", "3.5.0", 1),
        ("jquery", "1.9.0", 0),
    ] {
        let advisory = vex::parse(
            "npm.osv.json",
            &format!(
                r#"{{"id": "GHSA-TEST", "summary": "s", "affected": [{{"package": {{"ecosystem": "npm", "name": "{name}"}}, "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
            ),
        )
        .expect("OSV");
        let doc = vex::vex(&web, &web_bom, &advisory);
        assert_eq!(
            doc.vulnerabilities.len(),
            matches,
            "{name} fixed in {fixed}"
        );
    }
    // The SBOM itself carries no vulnerabilities.
    let json = serde_json::to_value(&bom).expect("json");
    assert!(json.get("vulnerabilities").is_none());
}
