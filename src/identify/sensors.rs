//! Image sensors from SDK naming schemes: `signatures/sensors.toml`.
//!
//! Camera SDKs name sensor drivers and tuning files after the sensor
//! (`libsns_imx307.so`, `sensor_gc2053_t31.ko`, `gc2053-t31.bin`; domain.md
//! §2.2). A scheme cuts the model token out of the file name or path; the
//! first vendor whose pattern matches the token owns it. Drivers are strong
//! evidence, configs medium (SDKs ship configs for sensors a product may
//! not carry). A multi-sensor bundle (`libsns_X123_XM530.so`) yields the
//! models named inside it as weak candidates, never one sensor.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use regex::Regex;
use serde::Deserialize;
use thiserror::Error;

use crate::model::{Category, Hit, Weight};

/// The built-in table.
pub(crate) const BUILTIN: &str = include_str!("../../signatures/sensors.toml");

/// Largest bundle whose strings are read for candidate models.
const MAX_BUNDLE: usize = 16 << 20;

/// Why the table does not load.
#[derive(Debug, Error)]
pub enum SensorError {
    /// Not valid TOML, or a field is wrong.
    #[error("sensors.toml: {0}")]
    Toml(#[from] toml::de::Error),
    /// A regex does not compile or lacks its group.
    #[error("sensors.toml: {what}: {message}")]
    Pattern {
        /// Vendor or scheme.
        what: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    vendor: Vec<VendorRecord>,
    scheme: Vec<SchemeRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorRecord {
    name: String,
    country: Option<String>,
    model: OneOrMany,
    display: Option<String>,
    #[serde(default)]
    bundle: bool,
    fixture: String,
    decoy: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeRecord {
    id: String,
    sdk: String,
    evidence: String,
    name: Option<String>,
    path: Option<String>,
    #[serde(default)]
    known_vendors_only: bool,
    fixture: String,
    expect: String,
    decoy: String,
}

/// A sensor vendor and how its model numbers look.
#[derive(Debug)]
pub struct Vendor {
    /// Vendor name.
    pub name: Arc<str>,
    /// Home country (ISO 3166 alpha-2).
    pub country: Option<String>,
    patterns: Vec<Regex>,
    display: Option<String>,
    bundle: bool,
    /// A token that must be this vendor's.
    pub fixture: String,
    /// A token that must not be.
    pub decoy: String,
}

/// Where a file name carries a model.
#[derive(Debug)]
pub struct Scheme {
    /// Stable id; the hit's rule is `sensor-scheme:<id>`.
    pub id: String,
    /// The SDK family that uses it.
    pub sdk: String,
    rule: Arc<str>,
    weight: Weight,
    /// Matched against the file name (else `path` against the path).
    on_name: bool,
    pattern: Regex,
    known_vendors_only: bool,
    /// A path that must yield `expect`.
    pub fixture: String,
    /// The model the fixture yields.
    pub expect: String,
    /// A path that must yield nothing.
    pub decoy: String,
}

/// The loaded table.
#[derive(Debug)]
pub struct Sensors {
    /// Vendors, first match wins.
    pub vendors: Vec<Vendor>,
    /// Naming schemes.
    pub schemes: Vec<Scheme>,
}

impl Sensors {
    /// The built-in table, loaded on first use.
    pub fn builtin() -> Result<&'static Sensors, &'static SensorError> {
        static TABLE: OnceLock<Result<Sensors, SensorError>> = OnceLock::new();
        TABLE.get_or_init(|| Sensors::parse(BUILTIN)).as_ref()
    }

    /// Load a table from TOML.
    pub fn parse(text: &str) -> Result<Sensors, SensorError> {
        let table: Table = toml::from_str(text)?;
        let compile = |what: &str, re: &str, group: &str| {
            let compiled = Regex::new(re).map_err(|e| SensorError::Pattern {
                what: what.into(),
                message: e.to_string(),
            })?;
            if !compiled.capture_names().any(|n| n == Some(group)) {
                return Err(SensorError::Pattern {
                    what: what.into(),
                    message: format!("pattern has no `{group}` group"),
                });
            }
            Ok(compiled)
        };
        let mut vendors = Vec::new();
        for v in table.vendor {
            let patterns = match &v.model {
                OneOrMany::One(p) => vec![p.clone()],
                OneOrMany::Many(ps) => ps.clone(),
            };
            let patterns = patterns
                .iter()
                .map(|p| compile(&v.name, p, "model"))
                .collect::<Result<_, _>>()?;
            vendors.push(Vendor {
                name: v.name.into(),
                country: v.country,
                patterns,
                display: v.display,
                bundle: v.bundle,
                fixture: v.fixture,
                decoy: v.decoy,
            });
        }
        let mut schemes = Vec::new();
        for s in table.scheme {
            let weight = match s.evidence.as_str() {
                "driver" => Weight::Strong,
                "config" => Weight::Medium,
                other => {
                    return Err(SensorError::Pattern {
                        what: s.id,
                        message: format!("evidence must be driver or config, not {other}"),
                    });
                }
            };
            let (on_name, pattern) = match (&s.name, &s.path) {
                (Some(n), None) => (true, n),
                (None, Some(p)) => (false, p),
                _ => {
                    return Err(SensorError::Pattern {
                        what: s.id,
                        message: "give exactly one of `name` and `path`".into(),
                    });
                }
            };
            let compiled = Regex::new(pattern).map_err(|e| SensorError::Pattern {
                what: s.id.clone(),
                message: e.to_string(),
            })?;
            let has = |g: &str| compiled.capture_names().any(|n| n == Some(g));
            if !has("model") && !has("tokens") {
                return Err(SensorError::Pattern {
                    what: s.id,
                    message: "pattern needs a `model` or `tokens` group".into(),
                });
            }
            schemes.push(Scheme {
                rule: format!("sensor-scheme:{}", s.id).into(),
                id: s.id,
                sdk: s.sdk,
                weight,
                on_name,
                pattern: compiled,
                known_vendors_only: s.known_vendors_only,
                fixture: s.fixture,
                expect: s.expect,
                decoy: s.decoy,
            });
        }
        Ok(Sensors { vendors, schemes })
    }

    /// The vendor and display model of a lower-case token.
    pub fn classify(&self, token: &str) -> Option<(&Vendor, String)> {
        self.vendors.iter().find_map(|v| {
            let caps = v.patterns.iter().find_map(|p| p.captures(token))?;
            let model = caps.name("model")?.as_str().to_uppercase();
            let model = match &v.display {
                Some(d) => d.replace("{}", &model),
                None => model,
            };
            Some((v, model))
        })
    }

    /// Sensor hits for a file at `path` named `name` with content `bytes`.
    pub fn identify(&self, path: &str, name: &str, bytes: &[u8]) -> Vec<Hit> {
        let name_lc = name.to_ascii_lowercase();
        let path_lc = path.to_ascii_lowercase();
        let mut hits = BTreeSet::new();
        for scheme in &self.schemes {
            let subject = if scheme.on_name { &name_lc } else { &path_lc };
            let Some(caps) = scheme.pattern.captures(subject) else {
                continue;
            };
            let tokens: Vec<&str> = match (caps.name("model"), caps.name("tokens")) {
                (Some(m), _) => vec![m.as_str()],
                (None, Some(t)) => t
                    .as_str()
                    .split(['_', '-', '.', ' '])
                    .filter(|t| !t.is_empty())
                    .collect(),
                (None, None) => continue,
            };
            for token in tokens {
                match self.classify(token) {
                    Some((vendor, model)) if vendor.bundle => {
                        hits.extend(self.bundle(scheme, vendor, &model, bytes));
                    }
                    Some((vendor, model)) => {
                        hits.insert(self.hit(scheme, &vendor.name, model, name));
                    }
                    None if !scheme.known_vendors_only && looks_like_part(token) => {
                        hits.insert(self.hit(scheme, "unknown", token.to_uppercase(), name));
                    }
                    None => {}
                }
            }
        }
        hits.into_iter().collect()
    }

    fn hit(&self, scheme: &Scheme, vendor: &str, model: String, name: &str) -> Hit {
        Hit {
            rule: scheme.rule.clone(),
            category: Category::ImageSensor,
            vendor: vendor.into(),
            weight: scheme.weight,
            model: Some(model),
            offset: None,
            matched: Some(name.to_string()),
        }
    }

    /// Weak candidate hits for the sensor models a bundle names inside.
    fn bundle(&self, scheme: &Scheme, bundle: &Vendor, label: &str, bytes: &[u8]) -> Vec<Hit> {
        let mut found = BTreeSet::new();
        for run in bytes[..bytes.len().min(MAX_BUNDLE)]
            .split(|b| !b.is_ascii_alphanumeric())
            .filter(|r| (4..=12).contains(&r.len()))
        {
            let token = String::from_utf8_lossy(run).to_ascii_lowercase();
            if let Some((vendor, model)) = self.classify(&token)
                && !vendor.bundle
                && vendor.name.as_ref() != "unknown"
            {
                found.insert((vendor.name.clone(), model));
            }
        }
        found
            .into_iter()
            .map(|(vendor, model)| Hit {
                rule: scheme.rule.clone(),
                category: Category::ImageSensor,
                vendor,
                weight: Weight::Weak,
                model: Some(model),
                offset: None,
                matched: Some(format!("candidate in {} bundle {label}", bundle.name)),
            })
            .collect()
    }
}

/// A part number: letters, then a digit, then letters and digits
/// (`c2399`, `tp2850`), not a word such as `common`.
fn looks_like_part(token: &str) -> bool {
    let letters = token.bytes().take_while(u8::is_ascii_lowercase).count();
    (1..=4).contains(&letters)
        && token
            .as_bytes()
            .get(letters)
            .is_some_and(u8::is_ascii_digit)
        && token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> &'static Sensors {
        Sensors::builtin().expect("built-in table loads")
    }

    fn models(path: &str) -> Vec<(String, String, Weight)> {
        let name = path.rsplit('/').next().unwrap_or(path);
        table()
            .identify(path, name, b"")
            .into_iter()
            .map(|h| (h.vendor.to_string(), h.model.unwrap_or_default(), h.weight))
            .collect()
    }

    #[test]
    fn every_vendor_owns_its_fixture_and_not_its_decoy() {
        for v in &table().vendors {
            let got = table().classify(&v.fixture).map(|(o, _)| o.name.clone());
            assert_eq!(
                got.as_deref(),
                Some(&*v.name),
                "{}: fixture {}",
                v.name,
                v.fixture
            );
            assert!(
                table().classify(&v.decoy).is_none(),
                "{}: decoy {} classified",
                v.name,
                v.decoy
            );
        }
    }

    #[test]
    fn every_scheme_yields_its_fixture_and_not_its_decoy() {
        for s in &table().schemes {
            let got = models(&s.fixture);
            assert!(
                got.iter().any(|(_, m, _)| *m == s.expect),
                "{}: {} gave {got:?}, want {}",
                s.id,
                s.fixture,
                s.expect
            );
            let decoy_name = s.decoy.rsplit('/').next().unwrap_or(&s.decoy);
            let hits: Vec<_> = table()
                .identify(&s.decoy, decoy_name, b"")
                .into_iter()
                .filter(|h| h.rule.ends_with(&format!(":{}", s.id)))
                .collect();
            assert!(hits.is_empty(), "{}: decoy {} gave {hits:?}", s.id, s.decoy);
        }
    }

    #[test]
    fn sdk_names_map_to_vendor_and_model() {
        let sony = ("Sony".to_string(), "IMX307".to_string(), Weight::Strong);
        assert_eq!(models("lib/libsns_imx307_2l.so"), [sony]);
        assert_eq!(
            models("sensor/libsns_f22.so")[0].1,
            "JX-F22",
            "bare Silicon Optronics part"
        );
        assert_eq!(models("kmod/sensor_c23a98_t31.ko")[0].0, "unknown");
        assert_eq!(
            models("sensor/params/ovos05_mipi_attr.hex"),
            [("OmniVision".into(), "OS05".into(), Weight::Medium)]
        );
        // Codec and resolution tokens are not sensors.
        assert!(models("sensor/config/h264_1080p.ini").is_empty());
        assert!(models("etc/modules/h265_mipi.ko").is_empty());
    }

    #[test]
    fn a_bundle_gives_weak_candidates_only() {
        let content = b"\x00imx307_init\x00sc2235\x00SP2305\x00misc\x00h264\x00";
        let hits = table().identify("lib/libsns_X123_XM530.so", "libsns_X123_XM530.so", content);
        let mut got: Vec<_> = hits
            .iter()
            .map(|h| (h.model.as_deref().unwrap_or(""), h.weight))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("IMX307", Weight::Weak),
                ("SC2235", Weight::Weak),
                ("SP2305", Weight::Weak)
            ]
        );
    }
}
