//! Evidence rules as data: YARA-X rules in `signatures/yara/*.yar`, one
//! file per topic (`oem-hikvision.yar`, `soc-hisilicon.yar`, `p2p-tutk.yar`
//! …). They say who made a device and what it reaches: camera OEM, SoC,
//! cloud/P2P SDKs, camera modules, backdoor indicators and capabilities.
//!
//! Every rule carries metadata, checked when the rules are compiled, so a
//! rule without it never loads:
//! - `vendor`, `category` (see [`Category`]), `weight` (`strong` |
//!   `medium` | `weak`), `description`, `reference` (where the marker comes
//!   from, usually a `domain.md` section);
//! - `fixture` and `decoy`: what the rule must match and must not match,
//!   as content (`fixture`, `decoy`), a path inside the image
//!   (`fixture_path`, `decoy_path`) or a container (`fixture_container`,
//!   `fixture_header` …). A test runs them all.
//!
//! Optional metadata: `model` is a regex applied to what matched (or, for a
//! rule that matched on its globals only, to the file name and path); its
//! first group, or the whole match, upper-cased and put into `model_format`
//! (`Hi{}`), is the model or family. `family` names a fixed one instead.
//! `port` is the network port of a service, `asset` (`private-key` |
//! `certificate`) marks cryptographic material, `country` is the vendor's
//! home country (ISO 3166 alpha-2). `masks` (categories, comma-separated)
//! makes a rule say what a file's other hits are worth rather than add one:
//! a multi-platform kernel names the SoCs of many vendors, so a match
//! removes that file's medium and weak hits of the masked categories and
//! yields none itself.
//!
//! Rules see the file's bytes and four globals: `path` (the path inside its
//! container), `name` (the file name), `container` (the format id, for a
//! container such as `hikvision`; empty for files) and `header` (a
//! container's header fields, `key=value;…`). Rules that only test globals
//! also run on containers, so `davinci.tar.gz` and an `SWKH` header count.
//!
//! The rules are compiled once and shared by every thread; each thread
//! keeps its own scanner (yara-x scanners cannot move between threads).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use regex::Regex;
use thiserror::Error;

use crate::model::{Category, Hit, Weight};

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

/// Longest excerpt of matched bytes kept on a hit.
const EXCERPT: usize = 80;

/// Longest a single scan may take before it is abandoned (hostile input
/// must not stall a batch run).
const SCAN_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a rule set does not load.
#[derive(Debug, Error)]
pub enum RuleError {
    /// YARA-X refused the source.
    #[error("{file}: {message}")]
    Compile {
        /// Rule file.
        file: String,
        /// Compiler message.
        message: String,
    },
    /// A rule lacks metadata or has a bad value.
    #[error("{file}: rule {rule}: {message}")]
    Meta {
        /// Rule file.
        file: String,
        /// Rule identifier.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

/// Where the scanned bytes sit, for the globals rules can test.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// Path inside the container that holds the file.
    pub path: &'a str,
    /// File name.
    pub name: &'a str,
    /// Format id when the target is an unpacked container.
    pub container: &'a str,
    /// Container header fields, `key=value;…`.
    pub header: &'a str,
}

/// A test case a rule carries in its metadata.
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// Content to scan.
    pub content: Vec<u8>,
    /// Path inside the image (its last component is the name).
    pub path: String,
    /// Container format id.
    pub container: String,
    /// Container header fields.
    pub header: String,
}

impl Case {
    /// The globals for this case.
    pub fn target(&self) -> Target<'_> {
        Target {
            path: &self.path,
            name: self.path.rsplit('/').next().unwrap_or_default(),
            container: &self.container,
            header: &self.header,
        }
    }
}

/// A rule's metadata, parsed once.
#[derive(Debug)]
pub struct RuleMeta {
    /// Rule identifier (unique across all files).
    pub id: Arc<str>,
    /// File the rule is in.
    pub file: String,
    /// Vendor (or service) the rule points at.
    pub vendor: Arc<str>,
    /// What it speaks about.
    pub category: Category,
    /// How much it says.
    pub weight: Weight,
    /// What the marker is.
    pub description: String,
    /// Where the marker comes from.
    pub reference: String,
    /// Extracts a model from what matched.
    pub model: Option<Regex>,
    /// Template for the model (`{}` is the extracted text).
    pub model_format: Option<String>,
    /// A fixed model or family.
    pub family: Option<String>,
    /// Port a service listens on.
    pub port: Option<u16>,
    /// Cryptographic material kind.
    pub asset: Option<String>,
    /// Vendor's home country.
    pub country: Option<String>,
    /// Categories whose hits in the same file this rule's match removes.
    pub masks: Vec<Category>,
    /// Must match.
    pub fixture: Case,
    /// Must not match.
    pub decoy: Case,
}

/// The compiled evidence rules.
pub struct RuleSet {
    rules: yara_x::Rules,
    meta: HashMap<String, Arc<RuleMeta>>,
    /// Version-classifier anchor rules compiled into the same set:
    /// identifier → classifier index.
    anchors: HashMap<String, usize>,
}

/// Namespace of the generated classifier-anchor rules.
const ANCHOR_NAMESPACE: &str = "classifier-anchors";

/// What one scan finds.
#[derive(Debug, Default)]
pub struct Scan {
    /// Evidence-rule hits, one per matching rule.
    pub hits: Vec<Hit>,
    /// (classifier index, offset of its first anchor hit), when the set
    /// carries classifier anchors.
    pub anchors: Vec<(usize, usize)>,
    /// Masking rules that matched, with the categories they mask.
    pub masks: Vec<(Arc<str>, Vec<Category>)>,
}

impl Scan {
    /// Whether a matching masking rule removes `hit`: one of a masked
    /// category that is not strong (an SDK string naming the chip still
    /// counts; a device-tree name or config symbol does not).
    pub fn masks(&self, hit: &Hit) -> bool {
        hit.weight != Weight::Strong
            && self
                .masks
                .iter()
                .any(|(_, masked)| masked.contains(&hit.category))
    }
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.meta.len())
            .finish()
    }
}

thread_local! {
    /// This thread's scanner, for the rule set at the given address.
    static SCANNER: RefCell<Option<(usize, yara_x::Scanner<'static>)>> = const { RefCell::new(None) };
}

impl RuleSet {
    /// The built-in rules, compiled on first use.
    pub fn builtin() -> Result<&'static RuleSet, &'static RuleError> {
        static BUILTIN: OnceLock<Result<RuleSet, RuleError>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let anchors = crate::identify::classifier::Classifiers::builtin()
                    .ok()
                    .map(|c| c.anchor_rules());
                RuleSet::compile_with(BUILTIN_RULES, anchors.as_deref())
            })
            .as_ref()
    }

    /// Compile rule files given as (file name, source).
    pub fn compile(files: &[(&str, &str)]) -> Result<RuleSet, RuleError> {
        RuleSet::compile_with(files, None)
    }

    /// Compile rule files and, in a namespace of their own, the anchor
    /// rules of the version classifiers
    /// ([`Classifiers::anchor_rules`](crate::identify::classifier::Classifiers::anchor_rules)),
    /// so one pass over the bytes serves both.
    pub fn compile_with(
        files: &[(&str, &str)],
        anchor_rules: Option<&str>,
    ) -> Result<RuleSet, RuleError> {
        let mut compiler = yara_x::Compiler::new();
        for global in ["path", "name", "container", "header"] {
            compiler
                .define_global(global, "")
                .map_err(|e| RuleError::Compile {
                    file: "(globals)".into(),
                    message: e.to_string(),
                })?;
        }
        let mut file_of = HashMap::new();
        for (file, source) in files {
            compiler.new_namespace(file.trim_end_matches(".yar"));
            compiler
                .add_source(yara_x::SourceCode::from(*source).with_origin(*file))
                .map_err(|e| RuleError::Compile {
                    file: file.to_string(),
                    message: e.to_string(),
                })?;
            file_of.insert(file.trim_end_matches(".yar").to_string(), file.to_string());
        }
        if let Some(source) = anchor_rules {
            compiler.new_namespace(ANCHOR_NAMESPACE);
            compiler
                .add_source(source)
                .map_err(|e| RuleError::Compile {
                    file: "(classifier anchors)".into(),
                    message: e.to_string(),
                })?;
        }
        let rules = compiler.build();
        let mut meta = HashMap::new();
        let mut anchors = HashMap::new();
        for rule in rules.iter() {
            if rule.namespace() == ANCHOR_NAMESPACE {
                if let Some(index) = rule
                    .identifier()
                    .strip_prefix("anchor_")
                    .and_then(|i| i.parse().ok())
                {
                    anchors.insert(rule.identifier().to_string(), index);
                }
                continue;
            }
            let file = file_of
                .get(rule.namespace())
                .cloned()
                .unwrap_or_else(|| rule.namespace().to_string());
            let parsed = RuleMeta::parse(&file, rule.identifier(), rule.metadata())?;
            if meta
                .insert(rule.identifier().to_string(), Arc::new(parsed))
                .is_some()
            {
                return Err(RuleError::Meta {
                    file,
                    rule: rule.identifier().into(),
                    message: "rule identifier used twice".into(),
                });
            }
        }
        Ok(RuleSet {
            rules,
            meta,
            anchors,
        })
    }

    /// One rule's metadata.
    pub fn meta(&self, id: &str) -> Option<&RuleMeta> {
        self.meta.get(id).map(|m| &**m)
    }

    /// Every rule's metadata, sorted by id.
    pub fn rules(&self) -> Vec<&Arc<RuleMeta>> {
        let mut all: Vec<_> = self.meta.values().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// Whether classifier anchors are compiled in.
    pub fn has_anchors(&self) -> bool {
        !self.anchors.is_empty()
    }

    /// Scan `data` as `target`; one hit per matching rule.
    pub fn scan(&'static self, target: &Target<'_>, data: &[u8]) -> Result<Vec<Hit>, String> {
        self.scan_all(target, data).map(|scan| scan.hits)
    }

    /// Scan `data` as `target`: evidence hits and classifier anchors. A
    /// scan that fails (timeout) is returned as an error message for the
    /// artifact.
    pub fn scan_all(&'static self, target: &Target<'_>, data: &[u8]) -> Result<Scan, String> {
        let key = self as *const RuleSet as usize;
        SCANNER.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(k, _)| *k != key) {
                let mut scanner = yara_x::Scanner::new(&self.rules);
                scanner
                    .set_timeout(SCAN_TIMEOUT)
                    .max_matches_per_pattern(1000);
                *slot = Some((key, scanner));
            }
            let Some((_, scanner)) = slot.as_mut() else {
                return Err("no scanner".into());
            };
            self.scan_with(scanner, target, data)
        })
    }

    fn scan_with(
        &self,
        scanner: &mut yara_x::Scanner<'_>,
        target: &Target<'_>,
        data: &[u8],
    ) -> Result<Scan, String> {
        let set = |s: &mut yara_x::Scanner<'_>, k: &str, v: &str| {
            s.set_global(k, v).map(|_| ()).map_err(|e| e.to_string())
        };
        set(scanner, "path", target.path)?;
        set(scanner, "name", target.name)?;
        set(scanner, "container", target.container)?;
        set(scanner, "header", target.header)?;
        let results = scanner
            .scan(data)
            .map_err(|e| format!("evidence rules: {e}"))?;
        let mut scan = Scan::default();
        for rule in results.matching_rules() {
            if let Some(&index) = self.anchors.get(rule.identifier())
                && rule.namespace() == ANCHOR_NAMESPACE
            {
                let first = rule
                    .patterns()
                    .flat_map(|p| p.matches().map(|m| m.range().start))
                    .min();
                scan.anchors.extend(first.map(|at| (index, at)));
                continue;
            }
            let Some(meta) = self.meta.get(rule.identifier()) else {
                continue;
            };
            if !meta.masks.is_empty() {
                scan.masks.push((meta.id.clone(), meta.masks.clone()));
                continue;
            }
            let mut matches: Vec<(usize, &[u8])> = rule
                .patterns()
                .flat_map(|p| p.matches().map(|m| (m.range().start, m.data())))
                .collect();
            matches.sort_by_key(|(offset, _)| *offset);
            scan.hits.push(meta.hit(target, &matches));
        }
        let hits = std::mem::take(&mut scan.hits);
        scan.hits = hits.into_iter().filter(|h| !scan.masks(h)).collect();
        scan.hits.sort();
        scan.anchors.sort();
        scan.masks.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(scan)
    }
}

impl RuleMeta {
    fn parse<'r>(
        file: &str,
        id: &str,
        metadata: impl Iterator<Item = (&'r str, yara_x::MetaValue<'r>)>,
    ) -> Result<RuleMeta, RuleError> {
        let err = |message: String| RuleError::Meta {
            file: file.into(),
            rule: id.into(),
            message,
        };
        let mut fields: HashMap<&str, yara_x::MetaValue<'_>> = HashMap::new();
        for (key, value) in metadata {
            if fields.insert(key, value).is_some() {
                return Err(err(format!("metadata `{key}` given twice")));
            }
        }
        let text = |key: &str| -> Option<Vec<u8>> {
            match fields.get(key)? {
                yara_x::MetaValue::String(s) => Some(s.as_bytes().to_vec()),
                yara_x::MetaValue::Bytes(b) => Some(b.to_vec()),
                _ => None,
            }
        };
        let string = |key: &str| text(key).map(|b| String::from_utf8_lossy(&b).into_owned());
        let required = |key: &str| {
            string(key)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| err(format!("metadata `{key}` (a non-empty string) is required")))
        };
        let vendor = required("vendor")?;
        let category = required("category")?;
        let category = Category::parse(&category)
            .ok_or_else(|| err(format!("unknown category `{category}`")))?;
        let weight = required("weight")?;
        let weight =
            Weight::parse(&weight).ok_or_else(|| err(format!("unknown weight `{weight}`")))?;
        let model = string("model")
            .map(|m| Regex::new(&format!("(?i){m}")))
            .transpose()
            .map_err(|e| err(format!("`model` is not a regex: {e}")))?;
        let port = match fields.get("port") {
            None => None,
            Some(yara_x::MetaValue::Integer(n)) => {
                Some(u16::try_from(*n).map_err(|_| err(format!("`port` {n} is not a port")))?)
            }
            Some(_) => return Err(err("`port` must be an integer".into())),
        };
        let masks = string("masks")
            .map(|list| {
                list.split(',')
                    .map(|c| {
                        Category::parse(c.trim())
                            .ok_or_else(|| err(format!("unknown category `{c}` in `masks`")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let asset = string("asset");
        if let Some(a) = &asset
            && !["private-key", "certificate"].contains(&a.as_str())
        {
            return Err(err(format!("unknown asset `{a}`")));
        }
        let case = |prefix: &str| Case {
            content: text(prefix).unwrap_or_default(),
            path: string(&format!("{prefix}_path")).unwrap_or_default(),
            container: string(&format!("{prefix}_container")).unwrap_or_default(),
            header: string(&format!("{prefix}_header")).unwrap_or_default(),
        };
        let fixture = case("fixture");
        let decoy = case("decoy");
        for (what, c) in [("fixture", &fixture), ("decoy", &decoy)] {
            if c.content.is_empty() && c.path.is_empty() && c.container.is_empty() {
                return Err(err(format!(
                    "a `{what}` (content, `{what}_path` or `{what}_container`) is required"
                )));
            }
        }
        const KNOWN: &[&str] = &[
            "vendor",
            "category",
            "weight",
            "description",
            "reference",
            "model",
            "model_format",
            "family",
            "port",
            "asset",
            "country",
            "masks",
            "fixture",
            "fixture_path",
            "fixture_container",
            "fixture_header",
            "decoy",
            "decoy_path",
            "decoy_container",
            "decoy_header",
        ];
        if let Some(unknown) = fields.keys().find(|k| !KNOWN.contains(k)) {
            return Err(err(format!("unknown metadata `{unknown}`")));
        }
        Ok(RuleMeta {
            id: id.into(),
            file: file.into(),
            vendor: vendor.into(),
            category,
            weight,
            description: required("description")?,
            reference: required("reference")?,
            model,
            model_format: string("model_format"),
            family: string("family"),
            port,
            asset,
            country: string("country"),
            masks,
            fixture,
            decoy,
        })
    }

    /// The hit for a match with `matches` (offset, bytes) in offset order.
    fn hit(&self, target: &Target<'_>, matches: &[(usize, &[u8])]) -> Hit {
        let model = self.family.clone().or_else(|| {
            let re = self.model.as_ref()?;
            let texts = matches
                .iter()
                .map(|(_, data)| String::from_utf8_lossy(data).into_owned())
                .chain([target.name.to_string(), target.path.to_string()]);
            texts.into_iter().find_map(|text| {
                let caps = re.captures(&text)?;
                let found = caps.get(1).or_else(|| caps.get(0))?.as_str().to_uppercase();
                Some(match &self.model_format {
                    Some(format) => format.replace("{}", &found),
                    None => found,
                })
            })
        });
        let (offset, matched) = match matches.first() {
            // Key material never leaves the image: only the PEM header line.
            Some((offset, data)) if self.asset.is_some() => {
                let header = data
                    .split(|&b| b == b'\n' || b == b'\r')
                    .next()
                    .unwrap_or(&[]);
                (Some(*offset as u64), Some(excerpt(header)))
            }
            Some((offset, data)) => (Some(*offset as u64), Some(excerpt(data))),
            None if !target.container.is_empty() => (
                None,
                Some(excerpt(
                    format!("{} {}", target.container, target.header)
                        .trim()
                        .as_bytes(),
                )),
            ),
            None => (None, Some(excerpt(target.path.as_bytes()))),
        };
        Hit {
            rule: self.id.clone(),
            category: self.category,
            vendor: self.vendor.clone(),
            weight: self.weight,
            model,
            offset,
            matched,
        }
    }
}

/// `data` as short printable text: other bytes become `.`.
fn excerpt(data: &[u8]) -> String {
    let mut out: String = data
        .iter()
        .take(EXCERPT)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    if data.len() > EXCERPT {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leak(files: &[(&str, &str)]) -> &'static RuleSet {
        Box::leak(Box::new(RuleSet::compile(files).expect("compiles")))
    }

    const GOOD: &str = r#"
rule soc_demo {
  meta:
    vendor = "HiSilicon" category = "soc" weight = "strong"
    description = "demo" reference = "test"
    model = "hi(35[0-9]{2}[a-z]{1,2}v[0-9]{3})" model_format = "Hi{}"
    fixture = "xx Hi3516EV200_MPP_V1 xx" decoy = "Hi35 nothing"
  strings: $a = /hi35[0-9]{2}[a-z]{1,2}v[0-9]{3}_MPP/ nocase
  condition: $a
}
rule name_demo {
  meta:
    vendor = "Ingenic" category = "soc" weight = "medium"
    description = "demo" reference = "test" model = "_(t[0-9]{2})\\."
    fixture_path = "lib/modules/sensor_gc2053_t31.ko" decoy_path = "lib/t31.txt"
  condition: name matches /_t[0-9]{2}\.ko$/
}
"#;

    #[test]
    fn every_builtin_rule_matches_its_fixture_and_not_its_decoy() {
        let rules = RuleSet::builtin().expect("built-in rules compile");
        assert!(
            rules.rules().len() >= 60,
            "only {} rules",
            rules.rules().len()
        );
        // A masking rule yields no hit: it shows in the scan's masks.
        let matched = |scan: &Scan, id: &str| {
            scan.hits.iter().any(|h| *h.rule == *id) || scan.masks.iter().any(|(m, _)| **m == *id)
        };
        for meta in rules.rules() {
            let scan = rules
                .scan_all(&meta.fixture.target(), &meta.fixture.content)
                .expect("scan");
            assert!(
                matched(&scan, &meta.id),
                "{} ({}): fixture does not match",
                meta.id,
                meta.file
            );
            let scan = rules
                .scan_all(&meta.decoy.target(), &meta.decoy.content)
                .expect("scan");
            assert!(
                !matched(&scan, &meta.id),
                "{} ({}): decoy matches",
                meta.id,
                meta.file
            );
        }
    }

    #[test]
    fn models_come_from_matches_and_names() {
        let rules = leak(&[("demo.yar", GOOD)]);
        let hits = rules
            .scan(&Target::default(), b"...HI3516EV200_MPP_V1...")
            .expect("scan");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].model.as_deref(), Some("Hi3516EV200"));
        assert_eq!(hits[0].offset, Some(3));
        let target = Target {
            path: "lib/modules/sensor_gc2053_t31.ko",
            name: "sensor_gc2053_t31.ko",
            ..Target::default()
        };
        let hits = rules.scan(&target, b"").expect("scan");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].model.as_deref(), Some("T31"));
        assert_eq!(hits[0].offset, None);
    }

    #[test]
    fn rules_without_required_metadata_do_not_load() {
        let missing = r#"rule r { meta: vendor = "X" category = "soc" weight = "strong" description = "d" fixture = "a" decoy = "b" strings: $a = "a" condition: $a }"#;
        let e = RuleSet::compile(&[("x.yar", missing)]).expect_err("reference missing");
        assert!(e.to_string().contains("`reference`"), "{e}");
        let bad_weight = missing.replace("\"strong\"", "\"huge\"").replace(
            "description = \"d\"",
            "description = \"d\" reference = \"r\"",
        );
        let e = RuleSet::compile(&[("x.yar", &bad_weight)]).expect_err("bad weight");
        assert!(e.to_string().contains("unknown weight"), "{e}");
        let no_decoy = r#"rule r { meta: vendor = "X" category = "soc" weight = "strong" description = "d" reference = "r" fixture = "a" strings: $a = "a" condition: $a }"#;
        let e = RuleSet::compile(&[("x.yar", no_decoy)]).expect_err("decoy missing");
        assert!(e.to_string().contains("`decoy`"), "{e}");
        let twice = format!("{GOOD}\n");
        let e = RuleSet::compile(&[("a.yar", GOOD), ("b.yar", &twice)]).expect_err("dup id");
        assert!(e.to_string().contains("used twice"), "{e}");
        let syntax = RuleSet::compile(&[("x.yar", "rule {")]).expect_err("syntax");
        assert!(syntax.to_string().starts_with("x.yar"), "{syntax}");
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt(b"ab\x00c"), "ab.c");
        assert_eq!(excerpt(&[b'a'; 100]).chars().count(), EXCERPT + 1);
    }
}
