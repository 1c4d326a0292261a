//! A policy applied to one scan: every flag with its rule, action,
//! citation and evidence; the dispensation state; the outcome.

use serde::Serialize;
use time::Date;

use super::{Action, Capability, Policy, date_of};
use crate::identify::verdict::{Evidence, Findings, Verdict};
use crate::model::{Category, Weight};
use crate::scan::ScanResult;

/// Evidence kept per flag for the report.
const EVIDENCE_PER_FLAG: usize = 5;

/// The buyer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Nothing in the policy objects.
    Pass,
    /// A person must look before buying or keeping it.
    Review,
    /// Denied, but an active dispensation lets it stay until a date.
    Dispensed,
    /// Keep out.
    Deny,
}

impl Outcome {
    /// As shown to people and written to the SBOM.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Review => "review",
            Outcome::Dispensed => "dispensed",
            Outcome::Deny => "deny",
        }
    }
}

/// One thing the policy objects to (or explicitly allows).
#[derive(Debug, Clone, Serialize)]
pub struct Flag {
    /// Rule id (`allow-list` for the allow-list).
    pub rule: String,
    /// What it decides.
    pub action: Action,
    /// The verdict category it is about; `None` for capability rules.
    pub category: Option<Category>,
    /// The vendor as the evidence names it (or the capability).
    pub vendor: String,
    /// The policy entity the vendor resolved to.
    pub entity: Option<String>,
    /// The model, for SoC, sensor and module flags.
    pub model: Option<String>,
    /// Why, in words.
    pub reason: String,
    /// The instrument behind the rule.
    pub citation: Option<String>,
    /// The strongest evidence: location, offset, rule.
    pub evidence: Vec<Evidence>,
}

/// The dispensation that applies, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispensed {
    /// Still valid on the `as_of` date.
    Active {
        /// Dispensation id.
        id: String,
        /// Last valid day.
        until: Date,
        /// Days left, counting `as_of`.
        days_left: i64,
        /// Why it was granted.
        reason: String,
        /// Who granted it.
        granted_by: String,
        /// Devices covered.
        devices: Option<u64>,
    },
    /// Expired: the deny stands again.
    Expired {
        /// Dispensation id.
        id: String,
        /// First day it no longer held.
        since: Date,
    },
}

/// The policy's decision on one image.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The outcome.
    pub outcome: Outcome,
    /// Every flag, deny first.
    pub flags: Vec<Flag>,
    /// The dispensation state, when one matched a denied image.
    pub dispensation: Option<Dispensed>,
    /// The date dispensations were compared with.
    pub as_of: Date,
    /// Policy name and version.
    pub policy: String,
    /// SHA-256 over the policy files.
    pub policy_sha256: String,
}

impl Decision {
    /// `deny`, `dispensed until 2026-12-31 (39 days left)` … (the as-of day
    /// and the last day both count).
    pub fn describe(&self) -> String {
        match (&self.outcome, &self.dispensation) {
            (
                Outcome::Dispensed,
                Some(Dispensed::Active {
                    until,
                    days_left,
                    id,
                    ..
                }),
            ) => {
                format!("dispensed until {until} ({days_left} days left; {id})")
            }
            (Outcome::Deny, Some(Dispensed::Expired { id, since })) => {
                format!("deny (dispensation {id} expired since {since})")
            }
            (outcome, _) => outcome.as_str().to_string(),
        }
    }
}

/// Categories whose named vendors the entity rules look at.
const VENDOR_CATEGORIES: [Category; 5] = [
    Category::CameraOem,
    Category::ImageSensor,
    Category::Soc,
    Category::P2pCloud,
    Category::CameraModule,
];

impl Policy {
    /// Apply the policy to a scan. `model` (or the label) is matched
    /// against dispensations by model; `as_of` decides whether they hold.
    pub fn evaluate(&self, result: &ScanResult, model: Option<&str>, as_of: Date) -> Decision {
        let findings = &result.findings;
        let mut flags = Vec::new();

        // Entity rules: every named vendor verdict, and the label brand.
        for v in findings
            .verdicts
            .iter()
            .filter(|v| v.named && VENDOR_CATEGORIES.contains(&v.category))
        {
            let Some(entity) = self.entity_of(&v.vendor) else {
                continue;
            };
            for rule in self
                .rules
                .iter()
                .filter(|r| applies(r, &entity.id, v.category))
            {
                flags.push(Flag {
                    rule: rule.id.clone(),
                    action: rule.action,
                    category: Some(v.category),
                    vendor: v.vendor.clone(),
                    entity: Some(entity.name.clone()),
                    model: v.model.clone(),
                    reason: rule.reason.clone().unwrap_or_else(|| {
                        format!("{} {} is {}", v.category, v.vendor, entity.name)
                    }),
                    citation: rule.citation.as_ref().map(|c| c.describe()),
                    evidence: strongest(v),
                });
            }
        }
        if let Some(label) = &findings.label
            && let Some(entity) = self.entity_of(&label.label)
        {
            let same = findings
                .oem()
                .and_then(|v| self.entity_of(&v.vendor))
                .is_some_and(|e| e.id == entity.id);
            if !same {
                // The label is a claim, not evidence, and some brands sell
                // several makers' lines: at most a review.
                for rule in self
                    .rules
                    .iter()
                    .filter(|r| applies(r, &entity.id, Category::CameraOem))
                {
                    flags.push(Flag {
                        rule: rule.id.clone(),
                        action: rule.action.min(Action::Review),
                        category: Some(Category::CameraOem),
                        vendor: label.label.clone(),
                        entity: Some(entity.name.clone()),
                        model: None,
                        reason: format!(
                            "label brand {} is a brand of {}; the firmware does not confirm the origin: check the device",
                            label.label, entity.name
                        ),
                        citation: rule.citation.as_ref().map(|c| c.describe()),
                        evidence: Vec::new(),
                    });
                }
            }
        }

        // Capability rules.
        for rule in &self.rules {
            let Some(capability) = rule.capability else {
                continue;
            };
            if let Some((what, evidence)) = capability_holds(capability, findings) {
                flags.push(Flag {
                    rule: rule.id.clone(),
                    action: rule.action,
                    category: None,
                    vendor: what.clone(),
                    entity: None,
                    model: None,
                    reason: rule.reason.clone().unwrap_or(what),
                    citation: rule.citation.as_ref().map(|c| c.describe()),
                    evidence,
                });
            }
        }

        // Allow-list mode: only listed makers pass, every named one checked.
        if let Some(list) = &self.allow_list {
            let named: Vec<&Verdict> = findings.named(Category::CameraOem).collect();
            if named.is_empty() {
                flags.push(Flag {
                    rule: "allow-list".into(),
                    action: list.unknown.unwrap_or(Action::Review),
                    category: Some(Category::CameraOem),
                    vendor: "unknown maker".into(),
                    entity: None,
                    model: None,
                    reason: "unknown maker: no camera OEM could be identified".into(),
                    citation: None,
                    evidence: Vec::new(),
                });
            }
            for oem in named {
                let entity = self.entity_of(&oem.vendor);
                let listed = entity.is_some_and(|e| list.entities.contains(&e.id));
                flags.push(Flag {
                    rule: "allow-list".into(),
                    action: if listed {
                        Action::Allow
                    } else {
                        list.unlisted.unwrap_or(Action::Deny)
                    },
                    category: Some(Category::CameraOem),
                    vendor: oem.vendor.clone(),
                    entity: entity.map(|e| e.name.clone()),
                    model: None,
                    reason: if listed {
                        format!("{} is on the approved list", oem.vendor)
                    } else {
                        format!("{} is not on the approved list", oem.vendor)
                    },
                    citation: None,
                    evidence: strongest(oem),
                });
            }
        }

        flags.sort_by(|a, b| {
            b.action
                .cmp(&a.action)
                .then(a.rule.cmp(&b.rule))
                .then(a.vendor.cmp(&b.vendor))
                .then(a.model.cmp(&b.model))
        });
        let worst = flags
            .iter()
            .map(|f| f.action)
            .max()
            .unwrap_or(Action::Allow);
        let mut outcome = match worst {
            Action::Allow => Outcome::Pass,
            Action::Review => Outcome::Review,
            Action::Deny => Outcome::Deny,
        };
        let mut dispensation = None;
        if outcome == Outcome::Deny {
            dispensation = self.dispensation_for(result, &flags, model, as_of);
            if matches!(dispensation, Some(Dispensed::Active { .. })) {
                outcome = Outcome::Dispensed;
            }
        }
        let policy = [self.header.name.as_deref(), self.header.version.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Decision {
            outcome,
            flags,
            dispensation,
            as_of,
            policy: if policy.is_empty() {
                "unnamed policy".into()
            } else {
                policy
            },
            policy_sha256: self.fingerprint(),
        }
    }

    /// The dispensation covering a denied image: an active one wins over an
    /// expired one; among several, the one that lasts longest.
    fn dispensation_for(
        &self,
        result: &ScanResult,
        flags: &[Flag],
        model: Option<&str>,
        as_of: Date,
    ) -> Option<Dispensed> {
        let sha = result.image.hashes.as_ref().map(|h| h.sha256_hex());
        let model = model
            .map(str::to_string)
            .or_else(|| result.findings.label.as_ref().map(|l| l.label.clone()));
        let denied: Vec<&Flag> = flags.iter().filter(|f| f.action == Action::Deny).collect();
        // Every field a dispensation gives must match (a model *and* a
        // vendor dispensation covers only that model of that vendor).
        let matching = self.dispensations.iter().filter(|d| {
            let c = &d.covers;
            let sha_ok = c
                .sha256
                .as_ref()
                .is_none_or(|s| sha.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(s)));
            let model_ok = c
                .model
                .as_ref()
                .is_none_or(|m| model.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(m)));
            let vendor_ok = c.vendor.as_ref().is_none_or(|v| {
                // Every deny must be about this vendor (an entity id or a
                // name) for a vendor dispensation to cover the device.
                let entity = self
                    .entities
                    .iter()
                    .find(|e| e.id == *v)
                    .or_else(|| self.entity_of(v));
                !denied.is_empty()
                    && denied.iter().all(|f| {
                        f.vendor.eq_ignore_ascii_case(v)
                            || entity.is_some_and(|e| f.entity.as_deref() == Some(e.name.as_str()))
                    })
            });
            sha_ok && model_ok && vendor_ok
        });
        let mut best: Option<(Date, &super::Dispensation)> = None;
        for d in matching {
            let Some(expires) = date_of(&d.expires) else {
                continue;
            };
            if best.is_none_or(|(b, _)| expires > b) {
                best = Some((expires, d));
            }
        }
        let (expires, d) = best?;
        let granted = date_of(&d.granted).unwrap_or(expires);
        Some(if granted <= as_of && as_of <= expires {
            Dispensed::Active {
                id: d.id.clone(),
                until: expires,
                days_left: (expires - as_of).whole_days() + 1,
                reason: d.reason.clone(),
                granted_by: d.granted_by.clone(),
                devices: d.devices,
            }
        } else {
            Dispensed::Expired {
                id: d.id.clone(),
                since: expires.next_day().unwrap_or(expires),
            }
        })
    }
}

fn applies(rule: &super::Rule, entity: &str, category: Category) -> bool {
    rule.entities.iter().any(|e| e == entity)
        && (rule.categories.is_empty() || rule.categories.iter().any(|c| c == category.as_str()))
}

fn strongest(v: &Verdict) -> Vec<Evidence> {
    v.evidence.iter().take(EVIDENCE_PER_FLAG).cloned().collect()
}

/// Whether a capability condition holds: what holds and its evidence.
fn capability_holds(capability: Capability, f: &Findings) -> Option<(String, Vec<Evidence>)> {
    let capability_verdict =
        |vendor: &str| f.named(Category::Capability).find(|v| v.vendor == vendor);
    match capability {
        Capability::P2pCloud => {
            let p2p: Vec<&Verdict> = f.named(Category::P2pCloud).collect();
            (!p2p.is_empty()).then(|| {
                let names: Vec<&str> = p2p.iter().map(|v| v.vendor.as_str()).collect();
                (
                    format!("cloud/P2P reach: {}", names.join(", ")),
                    p2p.iter()
                        .flat_map(|v| strongest(v))
                        .take(EVIDENCE_PER_FLAG)
                        .collect(),
                )
            })
        }
        Capability::TelnetStaticRoot => {
            let telnet = capability_verdict("telnetd")?;
            let root = capability_verdict("static root password")?;
            Some((
                "telnetd at boot with a fixed root password".into(),
                strongest(telnet)
                    .into_iter()
                    .chain(strongest(root))
                    .collect(),
            ))
        }
        Capability::ServicesWithoutTls => {
            let p = &f.posture;
            (!p.services.is_empty() && p.tls_libraries.is_empty()).then(|| {
                (
                    format!(
                        "remote services without any TLS library: {}",
                        p.services.join(", ")
                    ),
                    Vec::new(),
                )
            })
        }
        Capability::BackdoorIndicator => {
            let found: Vec<&Verdict> = f
                .named(Category::BackdoorIndicator)
                .filter(|v| v.strongest() >= Weight::Medium)
                .collect();
            (!found.is_empty()).then(|| {
                let rules: Vec<&str> = found
                    .iter()
                    .flat_map(|v| v.rules.iter().map(String::as_str))
                    .collect();
                (
                    format!("backdoor/vulnerability indicators: {}", rules.join(", ")),
                    found
                        .iter()
                        .flat_map(|v| strongest(v))
                        .take(EVIDENCE_PER_FLAG)
                        .collect(),
                )
            })
        }
        Capability::EmbeddedPrivateKey => {
            let key = capability_verdict("private key")?;
            Some((
                format!("{} embedded private key(s)", key.hit_count),
                strongest(key),
            ))
        }
        Capability::UnknownMaker => f.oem().is_none().then(|| {
            (
                "unknown maker: no camera OEM could be identified".into(),
                Vec::new(),
            )
        }),
    }
}
