//! Procurement policy: the third pipeline stage. A policy file (TOML) names
//! entities (legal names, aliases, subsidiaries, brands), rules that map
//! entities, categories or capabilities to `deny` | `review` | `allow`
//! with their citation, an optional allow-list, and dispensations with
//! expiry dates. [`Policy::evaluate`] turns a scan's verdicts into the
//! buyer's decision (`pass | review | deny | dispensed`) with every reason.
//!
//! The shipped default is `signatures/policy/default.toml` (domain.md §4).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::Date;

mod evaluate;

pub use evaluate::{Decision, Dispensed, Flag, Outcome};

/// The shipped default policy.
pub const DEFAULT_POLICY: &str = include_str!("../../signatures/policy/default.toml");

/// Most files one policy may pull in through `include`.
const MAX_INCLUDES: usize = 64;

/// Why a policy does not load: the file, the line and the field.
#[derive(Debug, Error)]
pub enum PolicyError {
    /// The file cannot be read.
    #[error("{file}: {message}")]
    Read {
        /// Policy file.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// Not valid TOML, or a field has the wrong type.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// Policy file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The parser's message (names the field).
        message: String,
    },
    /// A value that parses but makes no sense (an unknown entity, a
    /// duplicate id, an expiry before its grant).
    #[error("{file}:{line}: {field}: {message}")]
    Invalid {
        /// Policy file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The field (`rule[deny-covered].entities`).
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// What a rule or the allow-list decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing to object.
    Allow,
    /// A person must look.
    Review,
    /// Keep out.
    Deny,
}

impl Action {
    /// As written in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Review => "review",
            Action::Deny => "deny",
        }
    }
}

/// Where a rule comes from: the instrument a buyer cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// The instrument (`FCC Covered List (Secure Networks Act §2)`).
    pub instrument: String,
    /// Its date.
    pub date: Option<toml::value::Datetime>,
    /// A link.
    pub link: Option<String>,
}

impl Citation {
    /// `instrument (date) link`.
    pub fn describe(&self) -> String {
        let mut text = self.instrument.clone();
        if let Some(date) = &self.date {
            text.push_str(&format!(" ({date})"));
        }
        if let Some(link) = &self.link {
            text.push_str(&format!(" {link}"));
        }
        text
    }
}

/// A company as the policy knows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// Stable id rules refer to.
    pub id: String,
    /// Legal name.
    pub name: String,
    /// Other names it appears under (short names, transliterations).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Companies it controls (HiSilicon for Huawei).
    #[serde(default)]
    pub subsidiaries: Vec<String>,
    /// Brands and relabels that sell its technology (EZVIZ, Amcrest …).
    #[serde(default)]
    pub brands: Vec<String>,
    /// Home country.
    pub country: Option<String>,
}

impl Entity {
    /// Every name that means this entity.
    fn names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.name)
            .chain(&self.aliases)
            .chain(&self.subsidiaries)
            .chain(&self.brands)
    }
}

/// Conditions on what the device can do, for capability rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// A cloud/P2P SDK is present.
    P2pCloud,
    /// telnetd starts at boot and root has a fixed password hash.
    TelnetStaticRoot,
    /// Remote services exist and no TLS library does.
    ServicesWithoutTls,
    /// A known backdoor or vulnerability indicator is present.
    BackdoorIndicator,
    /// A private key is embedded.
    EmbeddedPrivateKey,
    /// No camera OEM could be named.
    UnknownMaker,
}

/// One rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id.
    pub id: String,
    /// Entities it applies to (ids).
    #[serde(default)]
    pub entities: Vec<String>,
    /// Verdict categories it looks at (`camera-oem`, `soc` …); all when
    /// empty.
    #[serde(default)]
    pub categories: Vec<String>,
    /// A capability condition instead of entities.
    pub capability: Option<Capability>,
    /// What it decides.
    pub action: Action,
    /// Why, in a sentence.
    pub reason: Option<String>,
    /// The instrument behind it.
    pub citation: Option<Citation>,
}

/// Allow-list mode: only these entities pass as camera OEM.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowList {
    /// Approved entities (ids).
    pub entities: Vec<String>,
    /// What an OEM not on the list gets (default `deny`).
    pub unlisted: Option<Action>,
    /// What an image with no identified OEM gets (default `review`).
    pub unknown: Option<Action>,
}

/// What a dispensation covers: every field given must match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covers {
    /// Image SHA-256.
    pub sha256: Option<String>,
    /// Model (matched against `--model`, the label or the image name).
    pub model: Option<String>,
    /// Entity id or vendor name.
    pub vendor: Option<String>,
}

/// Leave to keep a denied device until a date.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispensation {
    /// Stable id (the decision's reference).
    pub id: String,
    /// What it covers.
    pub covers: Covers,
    /// Why it was granted.
    pub reason: String,
    /// Who granted it.
    pub granted_by: String,
    /// When.
    pub granted: toml::value::Datetime,
    /// Until when (inclusive).
    pub expires: toml::value::Datetime,
    /// How many devices it covers.
    pub devices: Option<u64>,
}

/// The `[policy]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Name shown in reports.
    pub name: Option<String>,
    /// Version or date of the policy.
    pub version: Option<String>,
    /// Other policy files to merge in (relative to this one).
    #[serde(default)]
    pub include: Vec<String>,
}

/// One policy file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    policy: Header,
    #[serde(default)]
    entity: Vec<Entity>,
    #[serde(default)]
    rule: Vec<Rule>,
    allow_list: Option<AllowList>,
    #[serde(default)]
    dispensation: Vec<Dispensation>,
}

/// A loaded, validated policy (all includes merged).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Name and version of the top file.
    pub header: Header,
    /// Entities.
    pub entities: Vec<Entity>,
    /// Rules, in file order.
    pub rules: Vec<Rule>,
    /// Allow-list mode, when set.
    pub allow_list: Option<AllowList>,
    /// Dispensations.
    pub dispensations: Vec<Dispensation>,
    /// SHA-256 of every file read, in load order (for the report's "how to
    /// reproduce").
    pub sources: Vec<(String, String)>,
    /// The texts, to point errors at their line.
    texts: Vec<(String, String)>,
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line of the first occurrence of `needle` (an id) in `text`, else 1.
fn line_of_id(text: &str, needle: &str) -> usize {
    text.find(&format!("\"{needle}\""))
        .map(|at| line_of(text, at))
        .unwrap_or(1)
}

impl Policy {
    /// The shipped default policy.
    pub fn default_policy() -> Result<Policy, PolicyError> {
        Policy::parse("default.toml", DEFAULT_POLICY, None)
    }

    /// Load `path` and everything it includes.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let mut policy = Policy::default();
        let mut seen = HashSet::new();
        policy.load_file(path, &mut seen, true)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Parse one policy text (no includes are followed unless `base` gives
    /// the directory to resolve them from).
    pub fn parse(name: &str, text: &str, base: Option<&Path>) -> Result<Policy, PolicyError> {
        let mut policy = Policy::default();
        let file = parse_file(name, text)?;
        if !file.policy.include.is_empty() && base.is_none() {
            return Err(PolicyError::Invalid {
                file: name.into(),
                line: line_of_id(text, &file.policy.include[0]),
                field: "policy.include".into(),
                message: "includes need a policy loaded from a file".into(),
            });
        }
        policy.header = file.policy.clone();
        policy.sources.push((name.into(), sha256_hex(text)));
        policy.texts.push((name.into(), text.into()));
        policy.merge(name, text, file)?;
        policy.validate()?;
        Ok(policy)
    }

    fn load_file(
        &mut self,
        path: &Path,
        seen: &mut HashSet<PathBuf>,
        top: bool,
    ) -> Result<(), PolicyError> {
        let shown = path.display().to_string();
        let canonical = path.canonicalize().map_err(|e| PolicyError::Read {
            file: shown.clone(),
            message: e.to_string(),
        })?;
        if !seen.insert(canonical.clone()) {
            return Err(PolicyError::Read {
                file: shown,
                message: "included twice (an include cycle?)".into(),
            });
        }
        if seen.len() > MAX_INCLUDES {
            return Err(PolicyError::Read {
                file: shown,
                message: format!("more than {MAX_INCLUDES} policy files"),
            });
        }
        let text = std::fs::read_to_string(&canonical).map_err(|e| PolicyError::Read {
            file: shown.clone(),
            message: e.to_string(),
        })?;
        let file = parse_file(&shown, &text)?;
        if top {
            self.header = file.policy.clone();
        }
        self.sources.push((shown.clone(), sha256_hex(&text)));
        self.texts.push((shown.clone(), text.clone()));
        let includes = file.policy.include.clone();
        self.merge(&shown, &text, file)?;
        let dir = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for include in includes {
            self.load_file(&dir.join(include), seen, false)?;
        }
        Ok(())
    }

    /// Append a file's tables, refusing duplicate ids.
    fn merge(&mut self, name: &str, text: &str, file: File) -> Result<(), PolicyError> {
        let dup = |kind: &str, id: &str| PolicyError::Invalid {
            file: name.into(),
            line: line_of_id(text, id),
            field: format!("{kind}.id"),
            message: format!("`{id}` is defined twice"),
        };
        for e in file.entity {
            if self.entities.iter().any(|x| x.id == e.id) {
                return Err(dup("entity", &e.id));
            }
            self.entities.push(e);
        }
        for r in file.rule {
            if self.rules.iter().any(|x| x.id == r.id) {
                return Err(dup("rule", &r.id));
            }
            self.rules.push(r);
        }
        for d in file.dispensation {
            if self.dispensations.iter().any(|x| x.id == d.id) {
                return Err(dup("dispensation", &d.id));
            }
            let c = &d.covers;
            if c.sha256.is_none() && c.model.is_none() && c.vendor.is_none() {
                return Err(PolicyError::Invalid {
                    file: name.into(),
                    line: line_of_id(text, &d.id),
                    field: format!("dispensation[{}].covers", d.id),
                    message: "give `sha256`, `model` or `vendor` (all given must match)".into(),
                });
            }
            if date_of(&d.granted).is_none() || date_of(&d.expires).is_none() {
                return Err(PolicyError::Invalid {
                    file: name.into(),
                    line: line_of_id(text, &d.id),
                    field: format!("dispensation[{}]", d.id),
                    message: "`granted` and `expires` must be dates (2025-06-30)".into(),
                });
            }
            if date_of(&d.expires) < date_of(&d.granted) {
                return Err(PolicyError::Invalid {
                    file: name.into(),
                    line: line_of_id(text, &d.id),
                    field: format!("dispensation[{}].expires", d.id),
                    message: "expires before it was granted".into(),
                });
            }
            self.dispensations.push(d);
        }
        if let Some(list) = file.allow_list {
            if self.allow_list.is_some() {
                return Err(PolicyError::Invalid {
                    file: name.into(),
                    line: 1,
                    field: "allow_list".into(),
                    message: "only one allow-list per policy".into(),
                });
            }
            self.allow_list = Some(list);
        }
        Ok(())
    }

    /// Every entity id a rule or the allow-list names must exist; a rule
    /// names entities or a capability, not both; categories are known.
    fn validate(&self) -> Result<(), PolicyError> {
        let ids: BTreeSet<&str> = self.entities.iter().map(|e| e.id.as_str()).collect();
        // The file and line where a rule id (or the allow-list) is written.
        let locate = |needle: &str| {
            self.texts
                .iter()
                .find(|(_, t)| t.contains(needle))
                .map(|(f, t)| (f.clone(), t.find(needle).map_or(1, |at| line_of(t, at))))
                .unwrap_or_else(|| (String::from("policy"), 1))
        };
        let invalid = |needle: &str, field: String, message: String| {
            let (file, line) = locate(needle);
            PolicyError::Invalid {
                file,
                line,
                field,
                message,
            }
        };
        for r in &self.rules {
            for e in &r.entities {
                if !ids.contains(e.as_str()) {
                    return Err(invalid(
                        &format!("\"{}\"", r.id),
                        format!("rule[{}].entities", r.id),
                        format!("unknown entity `{e}`"),
                    ));
                }
            }
            for c in &r.categories {
                if crate::model::Category::parse(c).is_none() {
                    return Err(invalid(
                        &format!("\"{}\"", r.id),
                        format!("rule[{}].categories", r.id),
                        format!("unknown category `{c}`"),
                    ));
                }
            }
            if r.entities.is_empty() == r.capability.is_none() {
                return Err(invalid(
                    &format!("\"{}\"", r.id),
                    format!("rule[{}]", r.id),
                    "give either `entities` or `capability`".into(),
                ));
            }
        }
        if let Some(list) = &self.allow_list {
            for e in &list.entities {
                if !ids.contains(e.as_str()) {
                    return Err(invalid(
                        "allow_list",
                        "allow_list.entities".into(),
                        format!("unknown entity `{e}`"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The entity a vendor name means (name, alias, subsidiary or brand;
    /// case, spaces and punctuation ignored; a legal-form suffix such as
    /// `Co., Ltd.` may follow).
    pub fn entity_of(&self, vendor: &str) -> Option<&Entity> {
        let wanted = core_name(vendor);
        if wanted.is_empty() {
            return None;
        }
        self.entities
            .iter()
            .find(|e| e.names().any(|n| core_name(n) == wanted))
    }

    /// SHA-256 of the policy as loaded: of the sources' hashes, in order.
    pub fn fingerprint(&self) -> String {
        let joined: String = self.sources.iter().map(|(_, h)| h.as_str()).collect();
        sha256_hex(&joined)
    }
}

/// A name without its legal form and trailing generic words, as a key:
/// `Huawei Technologies Co., Ltd.`, `Huawei Technologies Company` and
/// `Huawei` all give `huawei`; `Hangzhou Hikvision Digital Technology Co.`
/// gives `hangzhouhikvision`.
fn core_name(name: &str) -> String {
    const TRAILING: &[&str] = &[
        "co",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "company",
        "gmbh",
        "ab",
        "sa",
        "ag",
        "llc",
        "plc",
        "bv",
        "technologies",
        "technology",
        "digital",
        "communications",
        "electronics",
        "group",
        "holding",
        "holdings",
    ];
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    while words.len() > 1 && words.last().is_some_and(|w| TRAILING.contains(&w.as_str())) {
        words.pop();
    }
    words.concat()
}

fn parse_file(name: &str, text: &str) -> Result<File, PolicyError> {
    toml::from_str(text).map_err(|e| PolicyError::Syntax {
        file: name.into(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: e.message().to_string(),
    })
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::model::hex(&Sha256::digest(text.as_bytes()))
}

/// A TOML date as a calendar date.
pub(crate) fn date_of(value: &toml::value::Datetime) -> Option<Date> {
    let d = value.date?;
    let month = time::Month::try_from(d.month).ok()?;
    Date::from_calendar_date(i32::from(d.year), month, d.day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_loads() {
        let p = Policy::default_policy().expect("default policy is valid");
        assert!(p.entities.len() >= 5);
        assert_eq!(
            p.entity_of("HiSilicon").map(|e| e.id.as_str()),
            Some("huawei")
        );
        assert_eq!(
            p.entity_of("EZVIZ").map(|e| e.id.as_str()),
            Some("hikvision")
        );
        assert_eq!(
            p.entity_of("Huawei Technologies Co., Ltd.")
                .map(|e| e.id.as_str()),
            Some("huawei")
        );
        for name in [
            "Huawei Technologies Co.",
            "Huawei Technologies Company",
            "HUAWEI TECHNOLOGIES CO., LTD",
        ] {
            assert_eq!(
                p.entity_of(name).map(|e| e.id.as_str()),
                Some("huawei"),
                "{name}"
            );
        }
        for (name, id) in [
            ("Hangzhou Hikvision Digital Technology Co.", "hikvision"),
            ("Hangzhou Hikvision Digital Technology Company", "hikvision"),
            ("Zhejiang Dahua Technology Co.", "dahua"),
            ("Dahua Technology Company", "dahua"),
            ("Hytera Communications Corporation Limited", "hytera"),
        ] {
            assert_eq!(p.entity_of(name).map(|e| e.id.as_str()), Some(id), "{name}");
        }
        assert!(p.entity_of("Sony").is_none());
        assert!(p.entity_of("Technologies").is_none());
        assert!(p.entity_of("Hikvisionary").is_none(), "names match whole");
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = Policy::parse("p.toml", "[[rule]]\nid = \"r\"\naction = \"maybe\"\n", None)
            .expect_err("bad action");
        let text = e.to_string();
        assert!(text.starts_with("p.toml:3:"), "{text}");
        assert!(text.contains("maybe"), "{text}");

        let e = Policy::parse(
            "p.toml",
            "[[rule]]\nid = \"r\"\nentities = [\"nobody\"]\naction = \"deny\"\n",
            None,
        )
        .expect_err("unknown entity");
        assert_eq!(
            e.to_string(),
            "p.toml:2: rule[r].entities: unknown entity `nobody`"
        );

        let e = Policy::parse(
            "p.toml",
            "[[dispensation]]\nid = \"d\"\ncovers = { vendor = \"x\" }\nreason = \"r\"\ngranted_by = \"g\"\ngranted = 2025-01-01\nexpires = 2024-01-01\n",
            None,
        )
        .expect_err("expiry before grant");
        assert!(
            e.to_string().contains("p.toml:2: dispensation[d].expires"),
            "{e}"
        );

        let e = Policy::parse(
            "p.toml",
            "[[entity]]\nid = \"a\"\nname = \"A\"\nwebsite = 1\n",
            None,
        )
        .expect_err("unknown field");
        assert!(e.to_string().contains("website"), "{e}");
    }

    #[test]
    fn includes_merge_and_cycles_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let main = dir.path().join("region.toml");
        std::fs::write(
            &main,
            "[policy]\nname = \"Region\"\ninclude = [\"entities.toml\"]\n[[rule]]\nid = \"deny-acme\"\nentities = [\"acme\"]\naction = \"deny\"\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("entities.toml"),
            "[[entity]]\nid = \"acme\"\nname = \"Acme Cameras Ltd\"\n",
        )
        .expect("write");
        let p = Policy::load(&main).expect("loads");
        assert_eq!(p.header.name.as_deref(), Some("Region"));
        assert_eq!(p.entities.len(), 1);
        assert_eq!(p.sources.len(), 2);

        std::fs::write(
            dir.path().join("entities.toml"),
            "[policy]\ninclude = [\"region.toml\"]\n[[entity]]\nid = \"acme\"\nname = \"Acme\"\n",
        )
        .expect("write");
        let e = Policy::load(&main).expect_err("cycle");
        assert!(e.to_string().contains("included twice"), "{e}");
    }
}
