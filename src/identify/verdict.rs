//! Verdicts: who made it, per category, from every evidence hit in an
//! image (domain.md §3 scoring).
//!
//! A vendor is *named* only with at least one strong hit or two medium hits
//! from different rules; weak hits never name one (a Xiongmai firmware
//! name with `_HIK_`, a HiSilicon SoC in somebody else's camera, protocol
//! emulation strings). Unnamed vendors stay listed as candidates, so the
//! analyst sees what was seen. Image sensors are judged per model: a driver
//! names the sensor, configs alone leave it a candidate.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::posture::Posture;
use super::relabel::LabelCheck;
use super::rules::RuleSet;
use super::sensors::Sensors;
use crate::model::{Artifact, Category, Hit, Weight};

/// Evidence kept per verdict (the count of all hits is kept too).
const MAX_EVIDENCE: usize = 64;

/// A hit and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// Location chain of the artifact.
    pub location: String,
    /// The hit.
    #[serde(flatten)]
    pub hit: Hit,
}

/// What the evidence says about one vendor (or one sensor model) in one
/// category.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The category.
    pub category: Category,
    /// Vendor, service or asset kind.
    pub vendor: String,
    /// Whether the evidence is enough to name the vendor.
    pub named: bool,
    /// 0–1: 1 − Π(1 − p) over distinct rules, p = 0.9 strong, 0.5 medium,
    /// 0.1 weak; at most 0.99.
    pub confidence: f64,
    /// The best-supported model or family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Every model seen, best-supported first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// Vendor's home country, when the rules know it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Network ports the evidence points at.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u16>,
    /// Cryptographic material kind (`private-key`, `certificate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Distinct rules that hit, strongest first.
    pub rules: Vec<String>,
    /// Number of hits in all.
    pub hit_count: usize,
    /// The hits (at most 64), strongest first.
    pub evidence: Vec<Evidence>,
}

impl Verdict {
    /// The strongest weight among the hits.
    pub fn strongest(&self) -> Weight {
        self.evidence
            .iter()
            .map(|e| e.hit.weight)
            .max()
            .unwrap_or(Weight::Weak)
    }
}

/// Every verdict for an image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Findings {
    /// By category, named before candidates, then by confidence.
    pub verdicts: Vec<Verdict>,
    /// The label brand checked against the OEM, when a label is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelCheck>,
    /// TLS libraries, remote and plaintext services, credentials.
    pub posture: Posture,
}

impl Findings {
    /// Judge every hit under `root`, with the built-in rule metadata.
    pub fn of(root: &Artifact) -> Findings {
        Findings::judge(root, RuleSet::builtin().ok(), Sensors::builtin().ok())
    }

    /// Judge every hit under `root`; `rules` and `sensors` supply country,
    /// port and asset metadata.
    pub fn judge(root: &Artifact, rules: Option<&RuleSet>, sensors: Option<&Sensors>) -> Findings {
        type Key = (Category, String, Option<String>);
        let mut groups: BTreeMap<Key, BTreeSet<Evidence>> = BTreeMap::new();
        for artifact in root.iter() {
            if artifact.hits.is_empty() {
                continue;
            }
            let location = artifact.location.to_string();
            for hit in &artifact.hits {
                // Sensors are judged per model, everything else per vendor.
                let model = (hit.category == Category::ImageSensor)
                    .then(|| hit.model.clone())
                    .flatten();
                groups
                    .entry((hit.category, hit.vendor.to_string(), model))
                    .or_default()
                    .insert(Evidence {
                        location: location.clone(),
                        hit: hit.clone(),
                    });
            }
        }
        let mut verdicts: Vec<Verdict> = groups
            .into_iter()
            .map(|((category, vendor, _), evidence)| {
                verdict(category, vendor, evidence, rules, sensors)
            })
            .collect();
        verdicts.sort_by(|a, b| {
            (a.category, !a.named)
                .cmp(&(b.category, !b.named))
                .then(b.confidence.total_cmp(&a.confidence))
                .then(a.vendor.cmp(&b.vendor))
                .then(a.model.cmp(&b.model))
        });
        Findings {
            verdicts,
            label: None,
            posture: Posture::default(),
        }
    }

    /// Verdicts of one category.
    pub fn category(&self, category: Category) -> impl Iterator<Item = &Verdict> {
        self.verdicts.iter().filter(move |v| v.category == category)
    }

    /// Named verdicts of one category.
    pub fn named(&self, category: Category) -> impl Iterator<Item = &Verdict> {
        self.category(category).filter(|v| v.named)
    }

    /// The camera OEM, when one is named (the most confident).
    pub fn oem(&self) -> Option<&Verdict> {
        self.named(Category::CameraOem).next()
    }

    /// One line for people:
    /// `OEM: Dahua (strong: oem_dahua_proc; 0.97) · SoC: HiSilicon Hi3516EV200 · sensor: Sony IMX307 · reach: DHP2P, telnetd`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        parts.push(match self.oem() {
            Some(v) => {
                let strongest = v.strongest();
                let mut decisive: Vec<&str> = v
                    .evidence
                    .iter()
                    .filter(|e| e.hit.weight == strongest)
                    .map(|e| &*e.hit.rule)
                    .collect();
                decisive.sort();
                decisive.dedup();
                decisive.truncate(3);
                format!(
                    "OEM: {} ({}: {}; {:.2})",
                    v.vendor,
                    strongest.as_str(),
                    decisive.join(", "),
                    v.confidence
                )
            }
            None => {
                let candidates: Vec<_> = self
                    .category(Category::CameraOem)
                    .filter(|v| v.strongest() > Weight::Weak)
                    .map(|v| v.vendor.as_str())
                    .collect();
                if candidates.is_empty() {
                    "OEM: not identified".into()
                } else {
                    format!(
                        "OEM: not identified (candidates: {})",
                        candidates.join(", ")
                    )
                }
            }
        });
        if let Some(label) = &self.label {
            parts.push(label.describe());
        }
        let soc: Vec<_> = self
            .named(Category::Soc)
            .map(|v| match &v.model {
                Some(m) => format!("{} {m}", v.vendor),
                None => v.vendor.clone(),
            })
            .collect();
        if !soc.is_empty() {
            parts.push(format!("SoC: {}", soc.join(", ")));
        }
        let sensors: Vec<_> = self
            .named(Category::ImageSensor)
            .map(|v| format!("{} {}", v.vendor, v.model.as_deref().unwrap_or("?")))
            .collect();
        let candidates = self
            .category(Category::ImageSensor)
            .filter(|v| !v.named)
            .count();
        match (sensors.len(), candidates) {
            (0, 0) => {}
            (0, n) => parts.push(format!("sensor: {n} candidates (configs only)")),
            (_, n) => {
                let mut text = format!("sensor: {}", list(&sensors, 6));
                if n > 0 {
                    text.push_str(&format!(" (+{n} config-only)"));
                }
                parts.push(text);
            }
        }
        let mut reach: Vec<_> = self
            .named(Category::P2pCloud)
            .chain(
                self.named(Category::Capability)
                    .filter(|v| !v.ports.is_empty()),
            )
            .map(|v| v.vendor.clone())
            .collect();
        if let Some(endpoints) = self
            .named(Category::Capability)
            .find(|v| v.vendor == super::endpoints::VENDOR)
        {
            reach.push(format!("{} hard-coded endpoints", endpoints.models.len()));
        }
        if !reach.is_empty() {
            parts.push(format!("reach: {}", list(&reach, 6)));
        }
        if !self.posture.services.is_empty() || !self.posture.tls_libraries.is_empty() {
            parts.push(self.posture.describe());
        }
        let indicators = self.named(Category::BackdoorIndicator).count();
        if indicators > 0 {
            parts.push(format!("indicators: {indicators}"));
        }
        parts.join(" · ")
    }
}

/// `items` joined, the first `max` of them.
fn list(items: &[String], max: usize) -> String {
    let mut text = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        text.push_str(&format!(" +{}", items.len() - max));
    }
    text
}

fn probability(weight: Weight) -> f64 {
    match weight {
        Weight::Strong => 0.9,
        Weight::Medium => 0.5,
        Weight::Weak => 0.1,
    }
}

fn verdict(
    category: Category,
    vendor: String,
    evidence: BTreeSet<Evidence>,
    rules: Option<&RuleSet>,
    sensors: Option<&Sensors>,
) -> Verdict {
    // Each rule counts once, at its strongest.
    let mut by_rule: BTreeMap<&str, Weight> = BTreeMap::new();
    for e in &evidence {
        let w = by_rule.entry(&e.hit.rule).or_insert(e.hit.weight);
        *w = (*w).max(e.hit.weight);
    }
    let strong = by_rule.values().filter(|w| **w == Weight::Strong).count();
    let medium = by_rule.values().filter(|w| **w == Weight::Medium).count();
    let named = strong >= 1 || medium >= 2;
    let miss: f64 = by_rule.values().map(|w| 1.0 - probability(*w)).product();
    let confidence = ((1.0 - miss).min(0.99) * 100.0).round() / 100.0;
    let mut rule_ids: Vec<(String, Weight)> = by_rule
        .into_iter()
        .map(|(id, w)| (id.to_string(), w))
        .collect();
    rule_ids.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let mut model_support: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &evidence {
        if let Some(m) = &e.hit.model {
            *model_support.entry(m).or_default() += 1;
        }
    }
    let mut models: Vec<(String, usize)> = model_support
        .into_iter()
        .map(|(m, n)| (m.to_string(), n))
        .collect();
    models.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    // A concrete model beats the wildcard family it refines (FH8852V200
    // over FH885XV200).
    let best = models.first().map(|(m, _)| {
        models
            .iter()
            .map(|(c, _)| c)
            .find(|c| refines(c, m))
            .unwrap_or(m)
            .clone()
    });

    let mut country = None;
    let mut ports = BTreeSet::new();
    let mut asset = None;
    for (id, _) in &rule_ids {
        if let Some(meta) = rules.and_then(|r| r.meta(id)) {
            country = country.or_else(|| meta.country.clone());
            ports.extend(meta.port);
            asset = asset.or_else(|| meta.asset.clone());
        }
    }
    if category == Category::ImageSensor {
        country = sensors
            .and_then(|s| s.vendors.iter().find(|v| *v.name == *vendor))
            .and_then(|v| v.country.clone());
    }

    let hit_count = evidence.len();
    let mut kept: Vec<Evidence> = evidence.into_iter().collect();
    kept.sort_by(|a, b| b.hit.weight.cmp(&a.hit.weight).then(a.cmp(b)));
    kept.truncate(MAX_EVIDENCE);
    Verdict {
        category,
        vendor,
        named,
        confidence,
        model: best,
        models: models.into_iter().map(|(m, _)| m).collect(),
        country,
        ports: ports.into_iter().collect(),
        asset,
        rules: rule_ids.into_iter().map(|(id, _)| id).collect(),
        hit_count,
        evidence: kept,
    }
}

/// Whether `concrete` is `family` with its `X` wildcards filled in.
fn refines(concrete: &str, family: &str) -> bool {
    concrete != family
        && concrete.len() == family.len()
        && family.contains('X')
        && concrete
            .chars()
            .zip(family.chars())
            .all(|(c, f)| c == f || f == 'X')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryKind, Location};

    fn hit(
        rule: &str,
        category: Category,
        vendor: &str,
        weight: Weight,
        model: Option<&str>,
    ) -> Hit {
        Hit {
            rule: rule.into(),
            category,
            vendor: vendor.into(),
            weight,
            model: model.map(str::to_string),
            offset: Some(0),
            matched: None,
        }
    }

    fn image(files: Vec<(&str, Vec<Hit>)>) -> Artifact {
        let mut root = Artifact::new(Location::root("fw.bin"), "fw.bin".into(), EntryKind::File);
        for (name, hits) in files {
            let mut a = Artifact::new(
                root.location.child("tar", Some(name.into())),
                name.into(),
                EntryKind::File,
            );
            a.hits = hits;
            root.children.push(a);
        }
        root
    }

    fn named(f: &Findings, c: Category) -> Vec<String> {
        f.named(c).map(|v| v.vendor.clone()).collect()
    }

    #[test]
    fn one_strong_or_two_independent_medium_hits_name_a_vendor() {
        let oem = Category::CameraOem;
        let f = Findings::judge(
            &image(vec![(
                "a",
                vec![hit("s", oem, "Dahua", Weight::Strong, None)],
            )]),
            None,
            None,
        );
        assert_eq!(named(&f, oem), ["Dahua"]);
        assert_eq!(f.oem().map(|v| v.confidence), Some(0.9));

        // The same medium rule in two files is one piece of evidence.
        let same = image(vec![
            ("a", vec![hit("m1", oem, "Axis", Weight::Medium, None)]),
            ("b", vec![hit("m1", oem, "Axis", Weight::Medium, None)]),
        ]);
        let f = Findings::judge(&same, None, None);
        assert!(named(&f, oem).is_empty());
        assert_eq!(f.category(oem).count(), 1, "kept as a candidate");

        let two = image(vec![
            ("a", vec![hit("m1", oem, "Axis", Weight::Medium, None)]),
            ("b", vec![hit("m2", oem, "Axis", Weight::Medium, None)]),
        ]);
        let f = Findings::judge(&two, None, None);
        assert_eq!(named(&f, oem), ["Axis"]);
        assert_eq!(f.oem().map(|v| v.confidence), Some(0.75));
    }

    #[test]
    fn weak_hits_never_name_a_vendor() {
        let oem = Category::CameraOem;
        let weak: Vec<_> = (0..5)
            .map(|i| hit(&format!("w{i}"), oem, "Hikvision", Weight::Weak, None))
            .collect();
        let f = Findings::judge(&image(vec![("a", weak)]), None, None);
        assert!(f.oem().is_none());
        assert!(
            f.summary().starts_with("OEM: not identified"),
            "{}",
            f.summary()
        );
        assert!(
            !f.summary().contains("Hikvision"),
            "weak candidates are not shown"
        );
    }

    #[test]
    fn the_best_supported_model_wins_and_concrete_beats_wildcard() {
        let soc = Category::Soc;
        let f = Findings::judge(
            &image(vec![
                (
                    "a",
                    vec![hit("c", soc, "Fullhan", Weight::Strong, Some("FH885XV200"))],
                ),
                (
                    "b",
                    vec![hit("c", soc, "Fullhan", Weight::Strong, Some("FH885XV200"))],
                ),
                (
                    "c",
                    vec![hit("c", soc, "Fullhan", Weight::Strong, Some("FH8852V200"))],
                ),
                (
                    "d",
                    vec![hit("c", soc, "Fullhan", Weight::Strong, Some("FH8856V200"))],
                ),
            ]),
            None,
            None,
        );
        let v = f.named(soc).next().expect("named");
        assert_eq!(v.model.as_deref(), Some("FH8852V200"));
        assert_eq!(v.models[0], "FH885XV200");
    }

    #[test]
    fn sensors_are_judged_per_model() {
        let s = Category::ImageSensor;
        let f = Findings::judge(
            &image(vec![
                (
                    "libsns_imx307.so",
                    vec![hit("drv", s, "Sony", Weight::Strong, Some("IMX307"))],
                ),
                (
                    "imx335.ini",
                    vec![hit("cfg", s, "Sony", Weight::Medium, Some("IMX335"))],
                ),
            ]),
            None,
            None,
        );
        let all: Vec<_> = f
            .category(s)
            .map(|v| (v.model.clone().unwrap_or_default(), v.named))
            .collect();
        assert_eq!(all, [("IMX307".into(), true), ("IMX335".into(), false)]);
        assert!(
            f.summary().contains("sensor: Sony IMX307 (+1 config-only)"),
            "{}",
            f.summary()
        );
    }
}
