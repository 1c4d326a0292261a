//! Brand on the label versus the OEM inside: `signatures/relabels.toml`,
//! the relabel relations of domain.md §3 as data. The label brand is kept
//! apart from the origin OEM; this says how the two relate.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The built-in table.
pub(crate) const BUILTIN: &str = include_str!("../../signatures/relabels.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    brand: Vec<Record>,
}

/// One relation: these brands sell that OEM's technology.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// One brand …
    name: Option<String>,
    /// … or several with the same relation.
    #[serde(default)]
    names: Vec<String>,
    /// The origin OEM.
    pub origin: String,
    /// What the relation is.
    pub relation: String,
    /// Where it is documented.
    pub source: String,
}

impl Record {
    fn brands(&self) -> impl Iterator<Item = &String> {
        self.name.iter().chain(&self.names)
    }
}

/// How the label relates to the OEM the evidence names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Relation {
    /// The label is the OEM itself.
    Same,
    /// A documented relabel of the OEM.
    Relabel {
        /// The relation.
        relation: String,
        /// Its source.
        source: String,
    },
    /// The label is a known brand of another OEM than the evidence names.
    Conflict {
        /// The OEM the table gives for the label.
        table_origin: String,
    },
    /// No relation is known: the label hides the origin, or is a new OEM.
    Unknown,
    /// The evidence names no OEM.
    NoOem,
}

/// The label brand checked against the OEM verdict.
#[derive(Debug, Clone, Serialize)]
pub struct LabelCheck {
    /// The brand on the label.
    pub label: String,
    /// The OEM the evidence names.
    pub origin: Option<String>,
    /// How they relate.
    pub relation: Relation,
}

impl LabelCheck {
    /// One line for people.
    pub fn describe(&self) -> String {
        match (&self.relation, &self.origin) {
            (Relation::Same, _) => format!("label {} is the OEM", self.label),
            (Relation::Relabel { relation, .. }, Some(o)) => {
                format!("label {} → origin {o} ({relation})", self.label)
            }
            (Relation::Conflict { table_origin }, Some(o)) => format!(
                "label {} is a {table_origin} brand, but the evidence names {o}",
                self.label
            ),
            (Relation::Unknown, Some(o)) => format!(
                "label {} differs from the origin OEM {o} (no known relation)",
                self.label
            ),
            _ => format!("label {}; the evidence names no OEM", self.label),
        }
    }
}

/// Letters and digits only, lower case: `CP Plus` = `cpplus`.
fn key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The relabel table.
#[derive(Debug)]
pub struct Relabels {
    records: Vec<Record>,
}

impl Relabels {
    /// The built-in table (a broken built-in table is empty, and a test
    /// keeps it from shipping broken).
    pub fn builtin() -> &'static Relabels {
        static TABLE: OnceLock<Relabels> = OnceLock::new();
        TABLE.get_or_init(|| {
            Relabels::parse(BUILTIN).unwrap_or(Relabels {
                records: Vec::new(),
            })
        })
    }

    /// Load a table.
    pub fn parse(text: &str) -> Result<Relabels, toml::de::Error> {
        let table: Table = toml::from_str(text)?;
        Ok(Relabels {
            records: table.brand,
        })
    }

    /// The record for a brand.
    pub fn lookup(&self, brand: &str) -> Option<&Record> {
        let k = key(brand);
        self.records
            .iter()
            .find(|r| r.brands().any(|b| key(b) == k))
    }

    /// Check `label` against the OEM the evidence names.
    pub fn check(&self, label: &str, origin: Option<&str>) -> LabelCheck {
        let relation = match origin {
            None => Relation::NoOem,
            Some(o) if key(o) == key(label) => Relation::Same,
            Some(o) => {
                // A brand may sell several OEMs' technology (Honeywell:
                // Hikvision and Dahua lines): any matching record is a relabel.
                let k = key(label);
                let records: Vec<&Record> = self
                    .records
                    .iter()
                    .filter(|r| r.brands().any(|b| key(b) == k))
                    .collect();
                match records.iter().find(|r| key(&r.origin) == key(o)) {
                    Some(r) => Relation::Relabel {
                        relation: r.relation.clone(),
                        source: r.source.clone(),
                    },
                    None => match records.first() {
                        Some(r) => Relation::Conflict {
                            table_origin: r.origin.clone(),
                        },
                        None => Relation::Unknown,
                    },
                }
            }
        };
        LabelCheck {
            label: label.to_string(),
            origin: origin.map(str::to_string),
            relation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_loads_and_every_record_names_brands() {
        let table = Relabels::parse(BUILTIN).expect("relabels.toml parses");
        assert!(table.records.len() >= 10);
        for r in &table.records {
            assert!(r.brands().next().is_some(), "{r:?}");
        }
    }

    #[test]
    fn labels_relate_to_the_origin_oem() {
        let t = Relabels::builtin();
        assert_eq!(
            t.check("Hikvision", Some("Hikvision")).relation,
            Relation::Same
        );
        assert!(matches!(
            t.check("ezviz", Some("Hikvision")).relation,
            Relation::Relabel { .. }
        ));
        assert!(matches!(
            t.check("C.P. plus", Some("Dahua")).relation,
            Relation::Relabel { .. }
        ));
        assert_eq!(
            t.check("Amcrest", Some("Hikvision")).relation,
            Relation::Conflict {
                table_origin: "Dahua".into()
            }
        );
        let unknown = t.check("Acme Vision", Some("Dahua"));
        assert_eq!(unknown.relation, Relation::Unknown);
        assert!(
            unknown
                .describe()
                .contains("differs from the origin OEM Dahua")
        );
        assert_eq!(t.check("Acme", None).relation, Relation::NoOem);
    }
}
