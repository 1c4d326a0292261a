//! What the evidence verdicts add to a CycloneDX BOM: the OEM as the
//! image's manufacturer, SoC and sensors as `device` components, P2P SDKs
//! as components and services, network services, keys and certificates as
//! `cryptographic-asset` components (never the material), every hit as
//! evidence.

use super::cyclonedx::{
    Address, Component, CryptoProperties, Evidence, Identity, Manufacturer, Method, Occurrence,
    Property, RelatedCryptoMaterial, Service,
};
use crate::identify::verdict::{Findings, Verdict};
use crate::model::{Category, Weight};
use crate::policy::{Decision, Flag};

/// Most endpoints listed on the hard-coded-endpoints service.
const MAX_ENDPOINTS: usize = 200;

/// What the evidence verdicts add to a BOM.
pub(crate) struct FoundParts {
    /// SoC and sensors (`device`), P2P SDKs (`library`), keys and
    /// certificates (`cryptographic-asset`), by bom-ref.
    pub(crate) components: Vec<(String, Component)>,
    /// Remote services and clouds.
    pub(crate) services: Vec<Service>,
    /// OEM verdict, candidates and indicators, for the image component.
    pub(crate) image_properties: Vec<Property>,
    /// The policy decision, for `metadata.properties`.
    pub(crate) metadata_properties: Vec<Property>,
}

pub(crate) fn country(code: Option<&str>) -> Option<Address> {
    code.map(|c| Address {
        country: c.to_string(),
    })
}

/// Confidence as CycloneDX wants it: 0–1 with two decimals.
fn confidence_of(v: &Verdict) -> f64 {
    v.confidence
}

/// Every hit of a verdict as evidence: identity by rule, occurrence by
/// location and offset.
fn verdict_evidence(v: &Verdict) -> Evidence {
    let mut methods: Vec<Method> = Vec::new();
    for rule in &v.rules {
        let (technique, weight) = v
            .evidence
            .iter()
            .find(|e| *e.hit.rule == **rule)
            .map(|e| {
                let technique = if e.hit.offset.is_some() {
                    "binary-analysis"
                } else {
                    "filename"
                };
                (technique, e.hit.weight)
            })
            .unwrap_or(("binary-analysis", Weight::Weak));
        methods.push(Method {
            technique,
            confidence: match weight {
                Weight::Strong => 0.9,
                Weight::Medium => 0.5,
                Weight::Weak => 0.1,
            },
            value: rule.clone(),
        });
    }
    Evidence {
        identity: vec![Identity {
            field: "name",
            confidence: confidence_of(v),
            methods,
        }],
        occurrences: v
            .evidence
            .iter()
            .map(|e| Occurrence {
                location: e.location.clone(),
                offset: e.hit.offset,
                symbol: None,
                additional_context: Some(format!(
                    "{} ({}){}",
                    e.hit.rule,
                    e.hit.weight.as_str(),
                    e.hit
                        .matched
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                )),
            })
            .collect(),
    }
}

fn verdict_properties(v: &Verdict) -> Vec<Property> {
    let mut properties = vec![
        Property::new("firmsight:category", v.category.as_str()),
        Property::new("firmsight:named", v.named.to_string()),
        Property::new("firmsight:confidence", format!("{:.2}", v.confidence)),
        Property::new("firmsight:hits", v.hit_count.to_string()),
    ];
    if v.models.len() > 1 {
        properties.push(Property::new("firmsight:models", v.models.join(", ")));
    }
    for port in &v.ports {
        properties.push(Property::new("firmsight:port", port.to_string()));
    }
    properties
}

pub(crate) fn findings_components(findings: &Findings, decision: Option<&Decision>) -> FoundParts {
    let mut components = Vec::new();
    let mut services = Vec::new();
    let mut image_properties = Vec::new();
    for v in &findings.verdicts {
        let maker = || Manufacturer {
            name: v.vendor.clone(),
            address: country(v.country.as_deref()),
        };
        match v.category {
            Category::CameraOem => {
                let prefix = if v.named {
                    "firmsight:oem"
                } else {
                    "firmsight:oem-candidate"
                };
                if v.named || v.strongest() > Weight::Weak {
                    image_properties.push(Property::new(
                        prefix,
                        format!(
                            "{} (confidence {:.2}; {})",
                            v.vendor,
                            v.confidence,
                            v.rules.join(", ")
                        ),
                    ));
                }
            }
            Category::Soc | Category::ImageSensor | Category::CameraModule => {
                // Only named hardware becomes a component; config-only and
                // bundle candidates are listed on the image instead.
                if !v.named {
                    if v.category == Category::ImageSensor {
                        let evidence = if v.strongest() == Weight::Weak {
                            "bundle candidate"
                        } else {
                            "config only"
                        };
                        image_properties.push(Property::new(
                            "firmsight:sensor-candidate",
                            format!(
                                "{} {} ({evidence})",
                                v.vendor,
                                v.model.as_deref().unwrap_or("?")
                            ),
                        ));
                    }
                    continue;
                }
                let kind = match v.category {
                    Category::Soc => "soc",
                    Category::ImageSensor => "sensor",
                    _ => "camera-module",
                };
                let model = v.model.clone().unwrap_or_else(|| "unknown model".into());
                let bom_ref = format!("{kind}:{}:{model}", v.vendor);
                let mut properties = verdict_properties(v);
                if v.category == Category::ImageSensor {
                    let evidence = if v.named {
                        "driver"
                    } else if v.strongest() == Weight::Weak {
                        "bundle-candidate"
                    } else {
                        "config-only"
                    };
                    properties.push(Property::new("firmsight:sensor:evidence", evidence));
                }
                components.push((
                    bom_ref.clone(),
                    Component {
                        kind: "device",
                        bom_ref: Some(bom_ref),
                        manufacturer: Some(maker()),
                        name: format!("{} {model}", v.vendor),
                        description: Some(match v.category {
                            Category::Soc => "system-on-chip".into(),
                            Category::ImageSensor => "image sensor".into(),
                            _ => "camera module".into(),
                        }),
                        evidence: Some(verdict_evidence(v)),
                        properties,
                        ..Component::default()
                    },
                ));
            }
            Category::P2pCloud => {
                if !v.named {
                    continue;
                }
                let bom_ref = format!("p2p:{}", v.vendor);
                components.push((
                    bom_ref.clone(),
                    Component {
                        kind: "library",
                        bom_ref: Some(bom_ref.clone()),
                        manufacturer: Some(maker()),
                        name: v.vendor.clone(),
                        description: Some("cloud / P2P SDK".into()),
                        evidence: Some(verdict_evidence(v)),
                        properties: verdict_properties(v),
                        ..Component::default()
                    },
                ));
                // Endpoints written into the same files as the SDK's marks.
                let files: std::collections::BTreeSet<&str> =
                    v.evidence.iter().map(|e| e.location.as_str()).collect();
                let endpoints: std::collections::BTreeSet<String> = findings
                    .named(Category::Capability)
                    .filter(|e| e.vendor == crate::identify::endpoints::VENDOR)
                    .flat_map(|e| &e.evidence)
                    .filter(|e| files.contains(e.location.as_str()))
                    .filter_map(|e| e.hit.model.clone())
                    .collect();
                services.push(Service {
                    bom_ref: format!("service:p2p:{}", v.vendor),
                    provider: Some(maker()),
                    name: v.vendor.clone(),
                    description: "cloud / P2P reach".into(),
                    endpoints: endpoints.into_iter().take(MAX_ENDPOINTS).collect(),
                    trust_boundary: true,
                    properties: verdict_properties(v),
                });
            }
            Category::Capability if v.asset.is_some() => {
                let asset = v.asset.as_deref().unwrap_or_default();
                let bom_ref = format!("crypto:{asset}:{}", v.vendor);
                let crypto = if asset == "certificate" {
                    CryptoProperties {
                        asset_type: "certificate",
                        related_crypto_material_properties: None,
                    }
                } else {
                    CryptoProperties {
                        asset_type: "related-crypto-material",
                        related_crypto_material_properties: Some(RelatedCryptoMaterial {
                            kind: "private-key",
                        }),
                    }
                };
                components.push((
                    bom_ref.clone(),
                    Component {
                        kind: "cryptographic-asset",
                        bom_ref: Some(bom_ref),
                        name: format!("embedded {asset} (PEM)"),
                        description: Some(format!(
                            "{} occurrence(s); the material itself is not copied",
                            v.hit_count
                        )),
                        crypto_properties: Some(crypto),
                        evidence: Some(verdict_evidence(v)),
                        properties: verdict_properties(v),
                        ..Component::default()
                    },
                ));
            }
            Category::Capability if v.vendor == crate::identify::endpoints::VENDOR => {
                services.push(Service {
                    bom_ref: "service:hard-coded-endpoints".into(),
                    provider: None,
                    name: "hard-coded endpoints".into(),
                    description: format!(
                        "URLs and public addresses written into the image ({} in all)",
                        v.models.len()
                    ),
                    endpoints: v.models.iter().take(MAX_ENDPOINTS).cloned().collect(),
                    trust_boundary: true,
                    properties: vec![Property::new(
                        "firmsight:endpoints",
                        v.models.len().to_string(),
                    )],
                });
            }
            Category::Capability => {
                if !v.named {
                    continue;
                }
                if v.ports.is_empty() {
                    image_properties.push(Property::new(
                        "firmsight:capability",
                        format!("{} ({})", v.vendor, v.rules.join(", ")),
                    ));
                } else {
                    services.push(Service {
                        bom_ref: format!("service:capability:{}", v.vendor),
                        provider: None,
                        name: v.vendor.clone(),
                        description: "network service on the device".into(),
                        endpoints: Vec::new(),
                        trust_boundary: true,
                        properties: verdict_properties(v),
                    });
                }
            }
            Category::BackdoorIndicator => {
                if v.named {
                    image_properties.push(Property::new(
                        "firmsight:indicator",
                        format!("{}: {}", v.vendor, v.rules.join(", ")),
                    ));
                }
            }
        }
    }
    let posture = &findings.posture;
    image_properties.push(Property::new(
        "firmsight:posture:tls-libraries",
        if posture.tls_libraries.is_empty() {
            "none".to_string()
        } else {
            posture.tls_libraries.join(", ")
        },
    ));
    if !posture.plaintext_services.is_empty() {
        image_properties.push(Property::new(
            "firmsight:posture:plaintext-services",
            posture.plaintext_services.join(", "),
        ));
    }
    if let Some(label) = &findings.label {
        image_properties.push(Property::new("firmsight:oem:label-brand", &label.label));
        image_properties.push(Property::new(
            "firmsight:oem:label-relation",
            label.describe(),
        ));
    }
    let mut metadata_properties = Vec::new();
    if let Some(d) = decision {
        metadata_properties.push(Property::new(
            "firmsight:policy:verdict",
            d.outcome.as_str(),
        ));
        metadata_properties.push(Property::new("firmsight:policy:decision", d.describe()));
        metadata_properties.push(Property::new("firmsight:policy:name", &d.policy));
        metadata_properties.push(Property::new("firmsight:policy:sha256", &d.policy_sha256));
        metadata_properties.push(Property::new("firmsight:policy:as-of", d.as_of.to_string()));
        for flag in &d.flags {
            let properties = flag_properties(flag, d);
            let target = flag.category.and_then(|c| {
                let model = flag.model.clone().unwrap_or_else(|| "unknown model".into());
                let bom_ref = match c {
                    Category::Soc => format!("soc:{}:{model}", flag.vendor),
                    Category::ImageSensor => format!("sensor:{}:{model}", flag.vendor),
                    Category::CameraModule => format!("camera-module:{}:{model}", flag.vendor),
                    Category::P2pCloud => format!("p2p:{}", flag.vendor),
                    _ => return None,
                };
                components
                    .iter_mut()
                    .find(|(r, _)| *r == bom_ref)
                    .map(|(_, c)| c)
            });
            match target {
                Some(component) => component.properties.extend(properties),
                None => image_properties.push(Property::new(
                    "firmsight:policy:flag",
                    format!(
                        "{} {}: {}{}",
                        flag.action.as_str(),
                        flag.rule,
                        flag.reason,
                        flag.citation
                            .as_deref()
                            .map(|c| format!(" [{c}]"))
                            .unwrap_or_default()
                    ),
                )),
            }
        }
    }
    FoundParts {
        components,
        services,
        image_properties,
        metadata_properties,
    }
}

/// `firmsight:policy:*` properties of a flagged component.
fn flag_properties(flag: &Flag, decision: &Decision) -> Vec<Property> {
    let mut properties = vec![
        Property::new("firmsight:policy:rule", &flag.rule),
        Property::new("firmsight:policy:action", flag.action.as_str()),
        Property::new("firmsight:policy:reason", &flag.reason),
    ];
    if let Some(c) = &flag.citation {
        properties.push(Property::new("firmsight:policy:citation", c));
    }
    if let Some(e) = &flag.entity {
        properties.push(Property::new("firmsight:policy:entity", e));
    }
    if decision.dispensation.is_some() {
        properties.push(Property::new(
            "firmsight:policy:dispensation",
            decision.describe(),
        ));
    }
    properties
}
