//! CycloneDX 1.6 JSON (<https://cyclonedx.org/docs/1.6/json/>), the subset
//! firmsight emits, as serde types that follow the schema's field names.
//! CI validates every sample's output against the official 1.6 schema.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use super::findings::{country, findings_components};
use crate::model::{Artifact, ElfFacts, ElfRole, Identification, Status, Technique};
use crate::sbom::{SbomOptions, Serial};
use crate::scan::ScanResult;

/// Namespace for serial numbers derived from image hashes (UUID v5).
const SERIAL_NAMESPACE: uuid::Uuid = uuid::uuid!("6f3c1e9a-8d42-4b7e-9a51-3f0b2c7d8e14");

/// bom-ref of the image (`metadata.component`).
const IMAGE_REF: &str = "image";

/// A CycloneDX document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    /// Always `CycloneDX`.
    pub bom_format: &'static str,
    /// Always `1.6`.
    pub spec_version: &'static str,
    /// `urn:uuid:…`.
    pub serial_number: String,
    /// Revision of this BOM; always 1.
    pub version: u32,
    /// About the BOM and its subject.
    pub metadata: Metadata,
    /// What is inside the image.
    pub components: Vec<Component>,
    /// Network services the device offers and clouds it reaches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// Which component needs which (ELF `DT_NEEDED` resolved to the
    /// libraries in the same image).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// Completeness statements.
    pub compositions: Vec<Composition>,
}

/// `metadata`.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    /// RFC 3339 time the BOM was made.
    pub timestamp: String,
    /// The tools that made it.
    pub tools: Tools,
    /// Who made the SBOM (`--sbom-author`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Contact>,
    /// The image the BOM describes.
    pub component: Component,
    /// Run-level facts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// An organizational contact: e-mail, or a URL-like reference in `name`.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    /// Name, when the author is not an e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `metadata.tools` in the 1.5+ object form.
#[derive(Debug, Clone, Serialize)]
pub struct Tools {
    /// Tools as components.
    pub components: Vec<Component>,
}

/// A component.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Component {
    /// `application`, `firmware`, `file`, `library`, `device` …
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Unique reference within the BOM.
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// Supplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Supplier>,
    /// Who made it (CycloneDX 1.6): the OEM of the image, the maker of a
    /// SoC or sensor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Manufacturer>,
    /// Name.
    pub name: String,
    /// `excluded` for what is not part of the product (the compiler that
    /// built it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'static str>,
    /// Version, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// One line on what it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Content hashes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// Licences, as SPDX ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    /// Package URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// CPE 2.3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// What kind of cryptographic material a `cryptographic-asset` is.
    #[serde(rename = "cryptoProperties", skip_serializing_if = "Option::is_none")]
    pub crypto_properties: Option<CryptoProperties>,
    /// How the component was identified and where it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// Namespaced facts (`firmsight:…`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// An organisation that made something.
#[derive(Debug, Clone, Serialize)]
pub struct Manufacturer {
    /// Its name.
    pub name: String,
    /// Where it is, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// A postal address; firmsight knows the country only.
#[derive(Debug, Clone, Serialize)]
pub struct Address {
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// `cryptoProperties` of a cryptographic asset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CryptoProperties {
    /// `certificate` or `related-crypto-material`.
    pub asset_type: &'static str,
    /// For related material: its type (`private-key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_crypto_material_properties: Option<RelatedCryptoMaterial>,
}

/// The kind of related crypto material.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedCryptoMaterial {
    /// `private-key`, `public-key` …
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A service the device offers or a cloud it reaches (CycloneDX `services`).
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// Unique reference.
    #[serde(rename = "bom-ref")]
    pub bom_ref: String,
    /// Who runs it, for cloud services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Manufacturer>,
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Where it is reached, when known (`https://host`, `rtsp://host:554`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    /// Whether data crosses a trust boundary (always, for a network service).
    #[serde(rename = "x-trust-boundary")]
    pub trust_boundary: bool,
    /// Ports and evidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// `supplier` (an organizational entity).
#[derive(Debug, Clone, Serialize)]
pub struct Supplier {
    /// Name.
    pub name: String,
}

/// A licence choice: one SPDX licence id, or an SPDX expression
/// (`FTL OR GPL-2.0-or-later`), which CycloneDX keeps in its own field: an
/// expression is not a valid `license.id`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum LicenseChoice {
    /// One licence.
    License {
        /// The licence.
        license: License,
    },
    /// An SPDX licence expression.
    Expression {
        /// The expression.
        expression: String,
    },
}

/// SPDX licence and exception ids the CycloneDX schema accepts, by their
/// lower-case spelling (ids match case-insensitively).
static SPDX_IDS: std::sync::LazyLock<std::collections::HashMap<String, &'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../../signatures/spdx-ids.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|id| (id.to_ascii_lowercase(), id))
            .collect()
    });

impl LicenseChoice {
    /// The choice a declared licence makes: a known SPDX id is an id, an
    /// expression of known ids (`FTL OR GPL-2.0-or-later`) an expression,
    /// anything else (a package database's `GPLv2`, `BSD`) a name, so the
    /// document stays schema-valid and nothing is guessed.
    pub fn from_declared(text: String) -> Self {
        let text = text.trim();
        if let Some(id) = SPDX_IDS.get(&text.to_ascii_lowercase()) {
            return LicenseChoice::License {
                license: License {
                    id: Some(id.to_string()),
                    name: None,
                },
            };
        }
        // An expression: ids, LicenseRef-…, operators and parentheses.
        let spaced = text.replace('(', " ( ").replace(')', " ) ");
        let mut tokens = Vec::new();
        for token in spaced.split_whitespace() {
            let known = match token {
                "(" | ")" => Some(token.to_string()),
                _ if ["AND", "OR", "WITH"].contains(&token.to_ascii_uppercase().as_str()) => {
                    Some(token.to_ascii_uppercase())
                }
                _ if token.starts_with("LicenseRef-") => Some(token.to_string()),
                _ => SPDX_IDS
                    .get(&token.to_ascii_lowercase())
                    .map(|id| id.to_string()),
            };
            match known {
                Some(token) => tokens.push(token),
                None => return LicenseChoice::named(text.to_string()),
            }
        }
        let operators = tokens
            .iter()
            .any(|t| ["AND", "OR", "WITH"].contains(&t.as_str()));
        if !operators {
            return LicenseChoice::named(text.to_string());
        }
        LicenseChoice::Expression {
            expression: tokens.join(" ").replace("( ", "(").replace(" )", ")"),
        }
    }

    /// A licence known only by what its source calls it (a kernel module's
    /// `MODULE_LICENSE("Proprietary")`): a name, not an SPDX id.
    pub fn named(name: String) -> Self {
        LicenseChoice::License {
            license: License {
                id: None,
                name: Some(name),
            },
        }
    }
}

/// A licence by SPDX id, or by name (CycloneDX: one of the two).
#[derive(Debug, Clone, Serialize)]
pub struct License {
    /// SPDX id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, where no SPDX id is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `evidence` (CycloneDX 1.6: `identity` is an array).
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// What identified the component.
    pub identity: Vec<Identity>,
    /// Where it was found.
    pub occurrences: Vec<Occurrence>,
}

/// One identity claim.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// The field the evidence supports (`purl`).
    pub field: &'static str,
    /// Overall confidence, 0–1.
    pub confidence: f64,
    /// How.
    pub methods: Vec<Method>,
}

/// One identification method.
#[derive(Debug, Clone, Serialize)]
pub struct Method {
    /// `binary-analysis`, `filename`, `manifest-analysis` …
    pub technique: &'static str,
    /// Confidence of this method, 0–1.
    pub confidence: f64,
    /// The classifier id.
    pub value: String,
}

/// One place a component was found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Occurrence {
    /// The artifact location chain.
    pub location: String,
    /// Byte offset of the evidence (none for a match on a name or header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The symbol the evidence is (a function the file defines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The rule and what it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_context: Option<String>,
}

/// A hash.
#[derive(Debug, Clone, Serialize)]
pub struct Hash {
    /// Algorithm, as the schema spells it (`SHA-256`).
    pub alg: &'static str,
    /// Lower-case hex.
    pub content: String,
}

/// A name/value property. Names may repeat (the spec allows it).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Property {
    /// Namespaced name.
    pub name: String,
    /// Value.
    pub value: String,
}

impl Property {
    pub(crate) fn new(name: &str, value: impl Into<String>) -> Self {
        Property {
            name: name.to_string(),
            value: value.into(),
        }
    }
}

/// One component's direct dependencies.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Dependency {
    /// The component.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What it needs.
    #[serde(rename = "dependsOn")]
    pub depends_on: Vec<String>,
}

/// A completeness statement.
#[derive(Debug, Clone, Serialize)]
pub struct Composition {
    /// `complete`, `incomplete`, `unknown` …
    pub aggregate: &'static str,
    /// bom-refs of the assemblies whose constituents the statement is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assemblies: Vec<String>,
    /// bom-refs of the components whose dependency lists it is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
}

/// Build the CycloneDX 1.6 document for a scan.
pub fn cyclonedx(result: &ScanResult, options: &SbomOptions) -> Bom {
    let image = &result.image;
    let image_sha256 = image.hashes.as_ref().map(|h| h.sha256_hex());
    let serial = match (options.serial, &image_sha256) {
        (Serial::FromImage, sha) => {
            // An image whose bytes were never read still has a name and size.
            let identity = sha
                .clone()
                .unwrap_or_else(|| format!("{}:{}", image.name, image.size));
            let name = format!("{identity}:firmsight-{}", env!("CARGO_PKG_VERSION"));
            uuid::Uuid::new_v5(&SERIAL_NAMESPACE, name.as_bytes())
        }
        (Serial::Random, _) => uuid::Uuid::new_v4(),
    };
    let mut components: Vec<(String, Component)> = image
        .iter()
        // A binary that *is* an identified component is listed as that
        // component; one that only embeds components stays a file.
        .filter(|a| !a.identified.iter().any(|i| i.claims_file))
        .filter_map(|a| Some((a, a.elf.as_ref()?)))
        .filter(|(_, elf)| {
            matches!(
                elf.role,
                ElfRole::Executable | ElfRole::SharedLibrary | ElfRole::KernelModule
            )
        })
        .map(|(a, elf)| (a.location.to_string(), elf_component(a, elf)))
        .collect();
    components.extend(identified_components(image));
    let found = findings_components(&result.findings, result.decision.as_ref());
    components.extend(found.components);
    // Stable sort: equal locations (a tar member appended twice) keep tree
    // order, and get `#2`, `#3` … so every bom-ref is unique.
    components.sort_by(|a, b| a.0.cmp(&b.0));
    let mut run = 1;
    for i in 1..components.len() {
        run = if components[i - 1].0 == components[i].0 {
            run + 1
        } else {
            1
        };
        if run > 1
            && let Some(bom_ref) = &mut components[i].1.bom_ref
        {
            bom_ref.push_str(&format!("#{run}"));
        }
    }

    let (dependencies, unresolved) = elf_dependencies(image, &components);

    let stats = &result.stats;
    let metadata = Metadata {
        timestamp: options
            .timestamp
            .format(&Rfc3339)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into()),
        authors: options
            .author
            .iter()
            .map(|a| {
                if a.contains('@') && !a.contains("://") {
                    Contact {
                        name: None,
                        email: Some(a.clone()),
                    }
                } else {
                    Contact {
                        name: Some(a.clone()),
                        email: None,
                    }
                }
            })
            .collect(),
        tools: Tools {
            components: vec![Component {
                kind: "application",
                bom_ref: None,
                supplier: None,
                name: "firmsight".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
                description: Some(env!("CARGO_PKG_DESCRIPTION").into()),
                hashes: Vec::new(),
                licenses: Vec::new(),
                purl: None,
                cpe: None,
                evidence: None,
                properties: Vec::new(),
                ..Component::default()
            }],
        },
        component: Component {
            kind: "firmware",
            bom_ref: Some(IMAGE_REF.into()),
            supplier: None,
            licenses: Vec::new(),
            purl: None,
            cpe: None,
            evidence: None,
            name: image.name.clone(),
            version: None,
            description: None,
            hashes: image_sha256
                .map(|content| {
                    vec![Hash {
                        alg: "SHA-256",
                        content,
                    }]
                })
                .unwrap_or_default(),
            manufacturer: result.findings.oem().map(|v| Manufacturer {
                name: v.vendor.clone(),
                address: country(v.country.as_deref()),
            }),
            properties: {
                let mut properties = artifact_properties(image);
                properties.extend(found.image_properties);
                properties
            },
            ..Component::default()
        },
        properties: vec![
            Property::new("firmsight:artifacts", stats.artifacts.to_string()),
            Property::new("firmsight:files", stats.files.to_string()),
            Property::new("firmsight:elf-files", stats.elf_files().to_string()),
            Property::new("firmsight:budget-hits", stats.budget_hits.to_string()),
            Property::new("firmsight:errors", stats.errors.to_string()),
        ]
        .into_iter()
        .chain(found.metadata_properties)
        .collect(),
    };
    let mut bom = Bom {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{serial}"),
        version: 1,
        metadata,
        components: components.into_iter().map(|(_, c)| c).collect(),
        services: found.services,
        dependencies,
        compositions: std::iter::once(Composition {
            // Only ELF files are listed so far, and unpacking may have hit
            // budgets or errors: the inventory is known to be incomplete.
            aggregate: "incomplete",
            assemblies: vec![IMAGE_REF.into()],
            dependencies: Vec::new(),
        })
        // Components that need a library the image does not hold: their
        // dependency lists are known to lack it.
        .chain((!unresolved.is_empty()).then(|| Composition {
            aggregate: "incomplete",
            assemblies: Vec::new(),
            dependencies: unresolved,
        }))
        .collect(),
    };
    if options.profile == super::Profile::Bsi {
        super::bsi::apply(&mut bom, image);
    }
    bom
}

/// `DT_NEEDED` of every ELF program, library and module, resolved against
/// the SONAMEs (or file names) of the libraries in the same image, as edges
/// between the components that stand for the files: the identified
/// component a file *is*, else its `file` component. Names not found in the
/// image are left out; the components that needed them are returned too
/// (sorted), so a composition can say their dependencies are incomplete.
fn elf_dependencies(
    image: &Artifact,
    components: &[(String, Component)],
) -> (Vec<Dependency>, Vec<String>) {
    use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
    // File components by location, in tree order (duplicates carry `#n`).
    let mut file_refs: HashMap<&str, VecDeque<&str>> = HashMap::new();
    for (key, component) in components {
        if let (true, Some(r)) = (component.kind == "file", &component.bom_ref) {
            file_refs
                .entry(key.as_str())
                .or_default()
                .push_back(r.as_str());
        }
    }
    let mut files = Vec::new();
    for artifact in image.iter() {
        let Some(elf) = &artifact.elf else { continue };
        let own = match artifact.identified.iter().find(|i| i.claims_file) {
            Some(id) => Some(id.bom_ref()),
            None => file_refs
                .get_mut(artifact.location.to_string().as_str())
                .and_then(VecDeque::pop_front)
                .map(str::to_string),
        };
        if let Some(own) = own {
            files.push((artifact, elf, own));
        }
    }
    let libraries: Vec<_> = files
        .iter()
        .map(|(artifact, _, own)| (*artifact, own.as_str()))
        .collect();
    let index = crate::identify::elf::LinkIndex::new(&libraries);
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut unresolved: BTreeSet<&str> = BTreeSet::new();
    // A component linked in statically: the program depends on it as
    // surely as on a library it loads (not on its compiler, nor on the
    // package a manifest says it came from). A Go or Rust program's
    // modules and crates are linked in, as its build lists them.
    let embedded: Vec<(&str, String)> = files
        .iter()
        .flat_map(|(artifact, _, own)| {
            artifact
                .identified
                .iter()
                .filter(|id| {
                    !id.claims_file
                        && (id.technique == crate::model::Technique::BinaryAnalysis
                            || crate::identify::lists_linked_code(&id.classifier))
                        && id.kind != crate::identify::toolchain::BUILD_TOOL
                })
                .map(move |id| (own.as_str(), id.bom_ref()))
        })
        .filter(|(own, target)| own != target)
        .collect();
    for (own, target) in &embedded {
        edges.entry(own).or_default().insert(target.as_str());
    }
    for (artifact, elf, own) in &files {
        for needed in &elf.needed {
            match index.resolve(artifact, needed) {
                Some(target) if target != own.as_str() => {
                    edges.entry(own.as_str()).or_default().insert(target);
                }
                Some(_) => {}
                None => {
                    // In the graph (its list may be empty), and named by
                    // the composition that says the list is incomplete.
                    edges.entry(own.as_str()).or_default();
                    unresolved.insert(own.as_str());
                }
            }
        }
    }
    let edges = edges
        .into_iter()
        .map(|(reference, targets)| Dependency {
            reference: reference.to_string(),
            depends_on: targets.into_iter().map(str::to_string).collect(),
        })
        .collect();
    (edges, unresolved.into_iter().map(str::to_string).collect())
}

/// The CycloneDX type of an identified component's kind: each of the
/// classifiers' [`KINDS`](crate::identify::classifier::KINDS) is a type of
/// its own name; a build tool is an application.
fn component_type(kind: &str) -> &'static str {
    match kind {
        "application" | crate::identify::toolchain::BUILD_TOOL => "application",
        "framework" => "framework",
        "operating-system" => "operating-system",
        "firmware" => "firmware",
        "device-driver" => "device-driver",
        _ => "library",
    }
}

/// One component per (name, version, purl) found by identifiers, with every
/// occurrence as evidence. Sorted by purl.
fn identified_components(image: &Artifact) -> Vec<(String, Component)> {
    use std::collections::BTreeMap;
    /// (bom-ref, name, version) → where it was found.
    type Groups<'a> = BTreeMap<(String, String, String), Vec<(&'a Artifact, &'a Identification)>>;
    let mut groups: Groups<'_> = BTreeMap::new();
    // BusyBox applet links, per identified BusyBox binary.
    let applets = crate::identify::busybox::applets_by_binary(image);
    for artifact in image.iter() {
        for id in &artifact.identified {
            groups
                .entry((id.bom_ref(), id.component.clone(), id.version.clone()))
                .or_default()
                .push((artifact, id));
        }
    }
    groups
        .into_iter()
        .map(|((bom_ref, name, version), found)| {
            let first = found[0].1;
            let purl = first.purl.clone();
            // Descriptive fields come from the surest identification that
            // has them (a manifest over the bytes over a file name; tree
            // order among equals), so the choice does not hang on which
            // file the walk met first.
            // An SBOM shipped in the image is a label: any identifier that
            // read the component itself goes first.
            let rank = |id: &Identification| {
                if id.classifier == crate::identify::embedded_sbom::CLASSIFIER {
                    0.0
                } else {
                    id.technique.confidence()
                }
            };
            let mut surest: Vec<&Identification> = found.iter().map(|(_, id)| *id).collect();
            surest.sort_by(|a, b| rank(b).total_cmp(&rank(a)));
            let field = |get: fn(&Identification) -> Option<&String>| {
                surest.iter().find_map(|id| get(id)).cloned()
            };
            // A series names no release: the version is unknown, the
            // series a property (none when any release may be there).
            let (version, series) = if first.series {
                (
                    None,
                    (!version.is_empty())
                        .then(|| Property::new("firmsight:version-series", version)),
                )
            } else {
                (Some(version), None)
            };
            let mut classifiers: Vec<(Technique, String)> = found
                .iter()
                .map(|(_, id)| (id.technique, id.classifier.clone()))
                .collect();
            classifiers.sort();
            classifiers.dedup();
            // The identity is as sure as its surest method.
            let confidence = classifiers
                .iter()
                .map(|(t, _)| t.confidence())
                .fold(0.0, f64::max);
            let build_tool = first.kind == crate::identify::toolchain::BUILD_TOOL;
            let component = Component {
                kind: component_type(&first.kind),
                bom_ref: Some(bom_ref.clone()),
                supplier: field(|id| id.supplier.as_ref()).map(|name| Supplier { name }),
                name,
                scope: build_tool.then_some("excluded"),
                version,
                description: None,
                hashes: Vec::new(),
                licenses: field(|id| id.license.as_ref())
                    .map(|declared| vec![LicenseChoice::from_declared(declared)])
                    .unwrap_or_default(),
                purl: Some(purl.clone()),
                cpe: field(|id| id.cpe.as_ref()),
                evidence: Some(Evidence {
                    identity: vec![Identity {
                        field: "purl",
                        confidence,
                        methods: classifiers
                            .into_iter()
                            .map(|(technique, value)| Method {
                                technique: technique.as_str(),
                                confidence: technique.confidence(),
                                value,
                            })
                            .collect(),
                    }],
                    occurrences: found
                        .iter()
                        .map(|(artifact, id)| Occurrence {
                            location: artifact.location.to_string(),
                            offset: Some(id.offset),
                            symbol: id.symbol.clone(),
                            // Which identifier saw this occurrence, and how.
                            additional_context: Some(format!(
                                "{} ({}, confidence {})",
                                id.classifier,
                                id.technique.as_str(),
                                id.technique.confidence()
                            )),
                        })
                        .collect(),
                }),
                properties: series
                    .into_iter()
                    .chain(busybox_applets(&applets, &found))
                    .chain(stated(&found))
                    // Only files that *are* the component were installed as
                    // it (not a program embedding it, nor one a compiler built).
                    .chain(installed_by(
                        found
                            .iter()
                            .filter(|(_, id)| id.claims_file && !build_tool)
                            .map(|(artifact, _)| *artifact),
                    ))
                    .collect(),
                ..Component::default()
            };
            (bom_ref, component)
        })
        .collect()
}

/// The applets linked to this component's BusyBox binaries, as one
/// comma-separated property (names are plain: see `identify::busybox`).
fn busybox_applets(
    applets: &std::collections::BTreeMap<String, Vec<String>>,
    found: &[(&Artifact, &Identification)],
) -> Vec<Property> {
    let names: std::collections::BTreeSet<&str> = found
        .iter()
        .filter(|(_, id)| id.component == "busybox")
        .filter_map(|(artifact, _)| applets.get(&artifact.location.to_string()))
        .flatten()
        .map(String::as_str)
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = names.into_iter().collect();
    vec![Property::new("firmsight:busybox:applets", names.join(","))]
}

/// What the identifications state about their copies (a Go program's
/// `vcs.revision`): each (name, value) once, sorted, so two programs of one
/// module built from two commits show both.
fn stated(found: &[(&Artifact, &Identification)]) -> Vec<Property> {
    let pairs: std::collections::BTreeSet<&(String, String)> =
        found.iter().flat_map(|(_, id)| &id.properties).collect();
    pairs
        .into_iter()
        .map(|(name, value)| Property::new(name, value.clone()))
        .collect()
}

/// `.modinfo` fields worth a property on a kernel module's component.
const MODINFO_PROPERTIES: &[&str] = &[
    "name",
    "license",
    "description",
    "author",
    "vermagic",
    "version",
    "depends",
    "alias",
];

/// `firmsight:package`: the packages the image's own database says
/// installed these files (each once, sorted).
fn installed_by<'a>(artifacts: impl Iterator<Item = &'a Artifact>) -> Vec<Property> {
    let packages: std::collections::BTreeSet<&str> =
        artifacts.filter_map(|a| a.package.as_deref()).collect();
    packages
        .into_iter()
        .map(|purl| Property::new("firmsight:package", purl))
        .collect()
}

/// Kind, size and status of an artifact, as properties.
fn artifact_properties(artifact: &Artifact) -> Vec<Property> {
    let mut props = vec![
        Property::new("firmsight:kind", artifact.kind.clone()),
        Property::new("firmsight:size", artifact.size.to_string()),
    ];
    props.extend(installed_by(std::iter::once(artifact)));
    if artifact.status != Status::Unpacked {
        props.push(Property::new(
            "firmsight:status",
            artifact.status.to_string(),
        ));
    }
    props
}

fn elf_component(artifact: &Artifact, elf: &ElfFacts) -> Component {
    let location = artifact.location.to_string();
    let mut props = vec![Property::new("firmsight:location", location.clone())];
    props.extend(artifact_properties(artifact));
    let class = match elf.class {
        crate::model::ElfClass::Elf32 => "elf32",
        crate::model::ElfClass::Elf64 => "elf64",
    };
    let endian = match elf.endian {
        crate::model::Endian::Little => "little",
        crate::model::Endian::Big => "big",
    };
    props.push(Property::new("firmsight:elf:class", class));
    props.push(Property::new("firmsight:elf:endian", endian));
    props.push(Property::new("firmsight:elf:machine", elf.machine.clone()));
    props.push(Property::new("firmsight:elf:type", elf.elf_type.as_str()));
    props.push(Property::new("firmsight:elf:role", elf.role.as_str()));
    if let Some(interp) = &elf.interpreter {
        props.push(Property::new("firmsight:elf:interpreter", interp.clone()));
    }
    for needed in &elf.needed {
        props.push(Property::new("firmsight:elf:needed", needed.clone()));
    }
    if let Some(soname) = &elf.soname {
        props.push(Property::new("firmsight:elf:soname", soname.clone()));
    }
    if let Some(id) = &elf.build_id {
        props.push(Property::new("firmsight:elf:build-id", id.clone()));
    }
    props.push(Property::new(
        "firmsight:elf:stripped",
        elf.stripped.to_string(),
    ));
    if let Some(packer) = &elf.packer {
        props.push(Property::new("firmsight:elf:packer", packer.clone()));
    }
    for toolchain in &elf.toolchain {
        props.push(Property::new("firmsight:elf:toolchain", toolchain.clone()));
    }
    for (key, value) in &elf.modinfo {
        if MODINFO_PROPERTIES.contains(&key.as_str()) {
            props.push(Property::new(
                &format!("firmsight:module:{key}"),
                value.clone(),
            ));
        }
    }
    Component {
        kind: "file",
        // `#` separates duplicate suffixes, so it is escaped in paths.
        bom_ref: Some(format!("file:{}", location.replace('#', "%23"))),
        supplier: None,
        // A kernel module declares its licence (`GPL`, `Dual BSD/GPL`,
        // `Proprietary`): kernel words, not SPDX ids, so kept as a name.
        licenses: elf
            .modinfo
            .iter()
            .filter(|(key, value)| key == "license" && !value.trim().is_empty())
            .map(|(_, value)| LicenseChoice::named(value.clone()))
            .take(1)
            .collect(),
        purl: None,
        cpe: None,
        evidence: None,
        name: artifact.name.clone(),
        version: None,
        description: Some(elf.role.as_str().replace('-', " ")),
        hashes: artifact
            .hashes
            .as_ref()
            .map(|h| {
                vec![Hash {
                    alg: "SHA-256",
                    content: h.sha256_hex(),
                }]
            })
            .unwrap_or_default(),
        properties: props,
        ..Component::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{self, ElfSpec, RootfsEntry, machine};
    use crate::{Bytes, ScanOptions, scan_bytes};

    #[test]
    fn a_program_embedding_a_library_stays_a_file() {
        let program = ElfSpec::executable(
            crate::model::ElfClass::Elf32,
            crate::model::Endian::Little,
            machine::ARM,
        )
        .with_rodata(b"\0 deflate 1.2.11 Copyright 1995-2017 Jean-loup Gailly and Mark Adler \0")
        .build();
        let library = ElfSpec::library(
            crate::model::ElfClass::Elf32,
            crate::model::Endian::Little,
            machine::ARM,
            "libz.so.1",
        )
        .with_rodata(b"\0 inflate 1.2.11 Copyright 1995-2017 Mark Adler \0")
        .build();
        let tar = samples::tar(&[
            RootfsEntry::File("usr/bin/ipc_server", program),
            RootfsEntry::File("lib/libz.so.1", library),
        ]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(tar), &ScanOptions::default()).expect("scan");
        let bom = cyclonedx(&result, &SbomOptions::reproducible(0));
        let names: Vec<_> = bom.components.iter().map(|c| c.name.as_str()).collect();
        // zlib once (both occurrences), the program as a file, the library
        // only as zlib.
        assert_eq!(names, ["ipc_server", "zlib"]);
        let zlib = &bom.components[1];
        assert_eq!(
            zlib.evidence.as_ref().expect("evidence").occurrences.len(),
            2
        );
        // The program depends on the zlib linked into it.
        let program = bom.components[0].bom_ref.clone().expect("ref");
        let edges: Vec<_> = bom
            .dependencies
            .iter()
            .filter(|d| d.reference == program)
            .collect();
        assert_eq!(edges.len(), 1, "{:?}", bom.dependencies);
        assert_eq!(edges[0].depends_on, ["pkg:generic/zlib@1.2.11"]);
    }

    /// Each component's dependency edges.
    fn edges_of(bom: &Bom) -> Vec<(&str, Vec<String>)> {
        bom.dependencies
            .iter()
            .map(|d| (d.reference.as_str(), d.depends_on.clone()))
            .collect()
    }

    /// The SBOM of a root filesystem of `files`.
    fn bom_of(files: &[RootfsEntry]) -> Bom {
        let tar = samples::tar(files);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(tar), &ScanOptions::default()).expect("scan");
        cyclonedx(&result, &SbomOptions::reproducible(0))
    }

    #[test]
    fn a_go_program_is_its_main_module_and_depends_on_the_modules_it_lists() {
        let modules = "path\texample.com/cam/cmd/agent\n\
            mod\texample.com/cam\tv1.4.0\th1:x=\n\
            dep\tgithub.com/pion/rtp\tv1.8.3\th1:y=\n";
        let bom = bom_of(&[RootfsEntry::File(
            "usr/bin/agent",
            samples::go_program("go1.21.13", modules),
        )]);
        let listed: Vec<_> = bom
            .components
            .iter()
            .map(|c| {
                (
                    c.kind,
                    c.name.as_str(),
                    c.purl.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        // The program is the main module, not a file of its own.
        assert_eq!(
            listed,
            [
                (
                    "application",
                    "example.com/cam",
                    "pkg:golang/example.com/cam@v1.4.0"
                ),
                (
                    "library",
                    "github.com/pion/rtp",
                    "pkg:golang/github.com/pion/rtp@v1.8.3"
                ),
                ("library", "go", "pkg:golang/stdlib@1.21.13"),
            ]
        );
        let edges = edges_of(&bom);
        assert_eq!(
            edges,
            [(
                "pkg:golang/example.com/cam@v1.4.0",
                vec![
                    "pkg:golang/github.com/pion/rtp@v1.8.3".to_string(),
                    "pkg:golang/stdlib@1.21.13".to_string()
                ]
            )]
        );
    }

    #[test]
    fn an_auditable_rust_program_is_its_root_crate_and_depends_on_its_crates() {
        let json = br#"{"packages":[{"name":"memchr","version":"2.7.6","source":"crates.io"},{"name":"camd","version":"1.0.0","source":"local","root":true,"dependencies":[0]}]}"#;
        let bom = bom_of(&[RootfsEntry::File(
            "usr/bin/camd",
            samples::rust_program(json),
        )]);
        let edges = edges_of(&bom);
        assert_eq!(
            edges,
            [(
                "pkg:cargo/camd@1.0.0",
                vec!["pkg:cargo/memchr@2.7.6".to_string()]
            )]
        );
    }

    #[test]
    fn a_crate_of_a_librarys_name_gives_the_library_no_release() {
        // libgif keeps no release (a presence record claims it); a Rust
        // program lists a crate called giflib.
        let json = br#"{"packages":[{"name":"giflib","version":"0.1.0","source":"crates.io"},{"name":"thumbs","version":"1.0.0","source":"local","root":true}]}"#;
        let bom = bom_of(&[
            RootfsEntry::File("usr/bin/thumbs", samples::rust_program(json)),
            RootfsEntry::File(
                "usr/lib/libgif.so.7.2.0",
                b"\0Failed to read from given file\0Data is not in GIF format\0".to_vec(),
            ),
        ]);
        let giflib: Vec<_> = bom
            .components
            .iter()
            .filter(|c| c.name == "giflib")
            .map(|c| c.purl.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(giflib, ["pkg:cargo/giflib@0.1.0", "pkg:generic/giflib"]);
    }

    #[test]
    fn a_go_programs_commit_is_a_property_of_its_component_once_per_value() {
        let program = |revision: &str| {
            samples::go_program(
                "go1.22.12",
                &format!(
                    "path\texample.com/cam/cmd/streamer\nmod\texample.com/cam\t(devel)\t\n\
                     dep\tgolang.org/x/sys\tv0.1.0\th1:a=\n\
                     build\tGOARCH=arm\nbuild\tvcs.revision={revision}\n"
                ),
            )
        };
        // Two builds of one module from two commits, and a copy of one.
        let bom = bom_of(&[
            RootfsEntry::File("usr/bin/streamer", program("aaa111")),
            RootfsEntry::File("usr/bin/streamer.old", program("bbb222")),
            RootfsEntry::File("backup/streamer", program("aaa111")),
        ]);
        let stated = |name: &str| -> Vec<(String, String)> {
            let component = bom.components.iter().find(|c| c.name == name).expect(name);
            component
                .properties
                .iter()
                .filter(|p| p.name.starts_with("firmsight:go:build:"))
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect()
        };
        let pair = |k: &str, v: &str| (format!("firmsight:go:build:{k}"), v.to_string());
        assert_eq!(
            stated("example.com/cam"),
            [
                pair("GOARCH", "arm"),
                pair("vcs.revision", "aaa111"),
                pair("vcs.revision", "bbb222")
            ]
        );
        assert!(stated("golang.org/x/sys").is_empty());
    }

    #[test]
    fn a_go_program_built_from_a_checkout_takes_no_release_from_another_programs_list() {
        let bom = bom_of(&[
            RootfsEntry::File(
                "usr/bin/streamer",
                samples::go_program(
                    "go1.22.12",
                    "path\texample.com/cam/cmd/streamer\nmod\texample.com/cam\t(devel)\t\n",
                ),
            ),
            RootfsEntry::File(
                "usr/bin/agent",
                samples::go_program(
                    "go1.22.12",
                    "path\texample.com/agent\nmod\texample.com/agent\tv2.0.0\th1:a=\n\
                     dep\texample.com/cam\tv1.2.0\th1:b=\n",
                ),
            ),
        ]);
        let cam: Vec<_> = bom
            .components
            .iter()
            .filter(|c| c.name == "example.com/cam")
            .map(|c| (c.kind, c.version.as_deref()))
            .collect();
        // The streamer is the module at no known release; the agent was
        // built with v1.2.0 of it.
        assert_eq!(cam, [("application", None), ("library", Some("v1.2.0"))]);
    }

    #[test]
    fn a_program_links_to_the_library_in_its_own_root_filesystem() {
        let arm = |spec: ElfSpec| spec.build();
        let program = arm(ElfSpec::executable(
            crate::model::ElfClass::Elf32,
            crate::model::Endian::Little,
            machine::ARM,
        )
        .with_needed(&["libfoo.so.1", "libc.so.6"]));
        let library = |tag: &[u8]| {
            arm(ElfSpec::library(
                crate::model::ElfClass::Elf32,
                crate::model::Endian::Little,
                machine::ARM,
                "libfoo.so.1",
            )
            .with_rodata(tag))
        };
        let rootfs = |tag: &[u8]| {
            samples::tar(&[
                RootfsEntry::File("usr/bin/prog", program.clone()),
                RootfsEntry::File("usr/lib/libfoo.so.1", library(tag)),
            ])
        };
        // An update holding two root filesystems (A/B slots).
        let image = samples::tar(&[
            RootfsEntry::File("a.tar", rootfs(b"slot a")),
            RootfsEntry::File("b.tar", rootfs(b"slot b")),
        ]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(image), &ScanOptions::default()).expect("scan");
        let bom = cyclonedx(&result, &SbomOptions::reproducible(0));
        let edges: Vec<(String, Vec<String>)> = bom
            .dependencies
            .iter()
            .filter(|d| d.reference.ends_with("prog"))
            .map(|d| (d.reference.clone(), d.depends_on.clone()))
            .collect();
        assert_eq!(edges.len(), 2, "{:?}", bom.dependencies);
        for (program, libraries) in &edges {
            let slot = if program.contains("a.tar") {
                "a.tar"
            } else {
                "b.tar"
            };
            assert_eq!(libraries.len(), 1, "{program}");
            assert!(libraries[0].contains(slot), "{program} -> {libraries:?}");
        }
        // libc.so.6 is not in the image: both programs' dependency lists
        // are known to be incomplete.
        let programs: Vec<String> = edges.into_iter().map(|(program, _)| program).collect();
        assert_eq!(bom.compositions.len(), 2);
        assert_eq!(bom.compositions[1].dependencies, programs);
    }

    #[test]
    fn a_file_names_the_package_its_database_says_installed_it() {
        let arm = |spec: ElfSpec| spec.build();
        let dropbear = arm(ElfSpec::executable(
            crate::model::ElfClass::Elf32,
            crate::model::Endian::Little,
            machine::ARM,
        )
        .with_rodata(b"\0SSH-2.0-dropbear_2019.78\0"));
        let helper = arm(ElfSpec::executable(
            crate::model::ElfClass::Elf32,
            crate::model::Endian::Little,
            machine::ARM,
        ));
        let status = b"Package: dropbear\nVersion: 2019.78-2\nStatus: install user installed\nArchitecture: mipsel_24kc\n\nPackage: gone\nVersion: 1\nStatus: deinstall ok not-installed\n";
        let rootfs = samples::tar(&[
            RootfsEntry::File("usr/lib/opkg/status", status.to_vec()),
            RootfsEntry::File(
                "usr/lib/opkg/info/dropbear.list",
                b"/usr/sbin/dropbear\n/etc/init.d/dropbear\n".to_vec(),
            ),
            // A list whose package is not installed links nothing.
            RootfsEntry::File("usr/lib/opkg/info/gone.list", b"/usr/bin/helper\n".to_vec()),
            RootfsEntry::File("usr/sbin/dropbear", dropbear.clone()),
            RootfsEntry::File("usr/bin/helper", helper),
            // The same path in another root filesystem is not this package's.
            RootfsEntry::File(
                "other.tar",
                samples::tar(&[RootfsEntry::File("usr/sbin/dropbear", dropbear)]),
            ),
        ]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(rootfs), &ScanOptions::default()).expect("scan");
        let bom = cyclonedx(&result, &SbomOptions::reproducible(0));
        let packages = |c: &Component| -> Vec<String> {
            c.properties
                .iter()
                .filter(|p| p.name == "firmsight:package")
                .map(|p| p.value.clone())
                .collect()
        };
        let dropbear = bom
            .components
            .iter()
            .find(|c| {
                c.name == "dropbear" && c.purl.as_deref() == Some("pkg:generic/dropbear@2019.78")
            })
            .expect("dropbear from its binary");
        assert_eq!(
            packages(dropbear),
            ["pkg:opkg/dropbear@2019.78-2?arch=mipsel_24kc"]
        );
        // Both copies are occurrences; only the listed one is the package's.
        assert_eq!(
            dropbear
                .evidence
                .as_ref()
                .expect("evidence")
                .occurrences
                .len(),
            2
        );
        let helper = bom
            .components
            .iter()
            .find(|c| c.name == "helper")
            .expect("helper file");
        assert!(packages(helper).is_empty());
        let linked: Vec<_> = result
            .image
            .iter()
            .filter(|a| a.package.is_some())
            .map(|a| a.location.to_string())
            .collect();
        assert_eq!(linked, ["fw.tar › tar:usr/sbin/dropbear"]);
    }

    #[test]
    fn a_debian_root_under_a_directory_links_merged_usr_and_multi_arch_files() {
        let program = |tag: &[u8]| {
            ElfSpec::executable(
                crate::model::ElfClass::Elf32,
                crate::model::Endian::Little,
                machine::ARM,
            )
            .with_rodata(tag)
            .build()
        };
        let status = b"Package: libc6\nStatus: install ok installed\nArchitecture: armhf\nVersion: 2.36-9\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: arm64\nVersion: 2.36-9\n";
        let image = samples::tar(&[
            RootfsEntry::File("rootfs/var/lib/dpkg/status", status.to_vec()),
            RootfsEntry::File(
                "rootfs/var/lib/dpkg/info/libc6:armhf.list",
                b"/.\n/lib\n/lib/arm-linux-gnueabihf/ldd32\n".to_vec(),
            ),
            RootfsEntry::File(
                "rootfs/var/lib/dpkg/info/libc6:arm64.list",
                b"/.\n/lib\n/lib/aarch64-linux-gnu/ldd64\n".to_vec(),
            ),
            // Merged /usr: the lists' /lib is usr/lib.
            RootfsEntry::File("rootfs/usr/lib/arm-linux-gnueabihf/ldd32", program(b"32")),
            RootfsEntry::File("rootfs/usr/lib/aarch64-linux-gnu/ldd64", program(b"64")),
        ]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(image), &ScanOptions::default()).expect("scan");
        let mut linked: Vec<(String, String)> = result
            .image
            .iter()
            .filter_map(|a| Some((a.name.clone(), a.package.clone()?)))
            .collect();
        linked.sort();
        assert_eq!(
            linked,
            [
                (
                    "ldd32".to_string(),
                    "pkg:deb/libc6@2.36-9?arch=armhf".to_string()
                ),
                (
                    "ldd64".to_string(),
                    "pkg:deb/libc6@2.36-9?arch=arm64".to_string()
                ),
            ]
        );
    }

    #[test]
    fn the_compiler_is_a_build_tool_outside_the_product() {
        let library = |name: &'static str, comment: &[u8]| {
            ElfSpec::library(
                crate::model::ElfClass::Elf32,
                crate::model::Endian::Little,
                machine::ARM,
                name,
            )
            .with_comment(comment)
            .build()
        };
        let tar = samples::tar(&[
            RootfsEntry::File(
                "lib/libmi_venc.so",
                library("libmi_venc.so", b"GCC: (GNU) 9.1.0\0"),
            ),
            RootfsEntry::File(
                "lib/libstdc++.so.6",
                library("libstdc++.so.6", b"GCC: (GNU) 9.1.0\0"),
            ),
        ]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(tar), &ScanOptions::default()).expect("scan");
        let bom = cyclonedx(&result, &SbomOptions::reproducible(0));
        let summary: Vec<_> = bom
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_deref(), c.scope))
            .collect();
        assert_eq!(
            summary,
            [
                ("libmi_venc.so", None, None),
                ("gcc", Some("9.1.0"), Some("excluded")),
                ("libstdc++", Some("9.1.0"), None),
            ]
        );
        let gcc = &bom.components[1];
        assert_eq!(gcc.kind, "application");
        assert_eq!(
            gcc.evidence.as_ref().expect("evidence").occurrences.len(),
            2
        );
    }

    #[test]
    fn every_classifier_kind_is_the_cyclonedx_type_of_its_name() {
        for kind in crate::identify::classifier::KINDS {
            assert_eq!(component_type(kind), kind);
        }
        assert_eq!(
            component_type(crate::identify::toolchain::BUILD_TOOL),
            "application"
        );
    }

    #[test]
    fn a_series_corroborates_its_release_or_stands_without_a_version() {
        let library = |soname: &'static str, rodata: &[u8], comment: &[u8]| {
            ElfSpec::library(
                crate::model::ElfClass::Elf32,
                crate::model::Endian::Little,
                machine::ARM,
                soname,
            )
            .with_rodata(rodata)
            .with_comment(comment)
            .build()
        };
        let tar = samples::tar(&[
            RootfsEntry::File(
                "lib/libcrypto.so.1.1",
                library("libcrypto.so.1.1", b"\0OpenSSL 1.1.1w  11 Sep 2023\0", b""),
            ),
            RootfsEntry::File("lib/libssl.so.1.1", library("libssl.so.1.1", b"", b"")),
            // Stripped of .comment: only its name tells GCC 12.
            RootfsEntry::File(
                "lib/libstdc++.so.6.0.30",
                library("libstdc++.so.6", b"", b""),
            ),
        ]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(tar), &ScanOptions::default()).expect("scan");
        let bom = cyclonedx(&result, &SbomOptions::reproducible(0));
        let summary: Vec<_> = bom
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_deref(), c.bom_ref.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "libstdc++",
                    None,
                    Some("pkg:generic/libstdc%2B%2B#series-12")
                ),
                (
                    "openssl",
                    Some("1.1.1w"),
                    Some("pkg:generic/openssl@1.1.1w")
                ),
            ]
        );
        let openssl = bom.components[1].evidence.as_ref().expect("evidence");
        let methods: Vec<&str> = openssl.identity[0]
            .methods
            .iter()
            .map(|m| m.value.as_str())
            .collect();
        assert_eq!(methods, ["openssl-version-text", "openssl-soname-series"]);
        assert_eq!(openssl.occurrences.len(), 3);
        let libstdcxx = &bom.components[0];
        assert_eq!(libstdcxx.purl.as_deref(), Some("pkg:generic/libstdc%2B%2B"));
        assert_eq!(libstdcxx.cpe, None);
        assert!(
            libstdcxx
                .properties
                .iter()
                .any(|p| p.name == "firmsight:version-series" && p.value == "12")
        );
    }

    #[test]
    fn a_component_known_by_presence_has_no_version_series_or_cpe() {
        let tar = samples::tar(&[RootfsEntry::File(
            "usr/lib/libliveMedia.so.81",
            b"\0LIVE555 Streaming Media v\x002023.01.19\0a=tool:%s%s\r\n\0".to_vec(),
        )]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(tar), &ScanOptions::default()).expect("scan");
        let bom = cyclonedx(&result, &SbomOptions::reproducible(0));
        let live555 = bom
            .components
            .iter()
            .find(|c| c.name == "live555")
            .expect("live555");
        assert_eq!(live555.version, None);
        assert_eq!(live555.cpe, None);
        assert_eq!(live555.purl.as_deref(), Some("pkg:generic/live555"));
        assert_eq!(
            live555.bom_ref.as_deref(),
            Some("pkg:generic/live555#any-version")
        );
        assert!(
            !live555
                .properties
                .iter()
                .any(|p| p.name == "firmsight:version-series")
        );
    }

    #[test]
    fn licence_expressions_are_expressions_and_ids_are_ids() {
        let json = |spdx: &str| {
            serde_json::to_value(LicenseChoice::from_declared(spdx.into())).expect("serialises")
        };
        assert_eq!(json("MIT"), serde_json::json!({"license": {"id": "MIT"}}));
        assert_eq!(
            json("FTL OR GPL-2.0-or-later"),
            serde_json::json!({"expression": "FTL OR GPL-2.0-or-later"})
        );
        // A package database's words: ids in their SPDX case, expressions
        // of known ids, and anything else by name.
        assert_eq!(
            json("gpl-2.0-only"),
            serde_json::json!({"license": {"id": "GPL-2.0-only"}})
        );
        assert_eq!(
            json("(MIT or Apache-2.0) AND GPL-3.0-or-later WITH GCC-exception-3.1"),
            serde_json::json!({"expression": "(MIT OR Apache-2.0) AND GPL-3.0-or-later WITH GCC-exception-3.1"})
        );
        for declared in [
            "GPLv2",
            "BSD",
            "GPL-2.0 and BSD-4-Clause-ish",
            "MIT Apache-2.0",
        ] {
            assert_eq!(
                json(declared),
                serde_json::json!({"license": {"name": declared}}),
                "{declared}"
            );
        }
        // Every classifier's licence is an SPDX id or expression (never a
        // name: a misspelt id fails here).
        let (_, files) = crate::identify::classifier::Classifiers::load(
            crate::identify::classifier::BUILTIN_CLASSIFIERS,
        )
        .expect("loads");
        for record in files.iter().flat_map(|f| &f.classifier) {
            let Some(spdx) = &record.license else {
                continue;
            };
            match LicenseChoice::from_declared(spdx.clone()) {
                LicenseChoice::License { license } => assert!(
                    license.id.as_deref() == Some(spdx.as_str()),
                    "{}: {spdx} is not an SPDX id",
                    record.id,
                ),
                LicenseChoice::Expression { expression } => assert!(
                    expression
                        .split(' ')
                        .any(|w| ["OR", "AND", "WITH"].contains(&w)),
                    "{}: {expression}",
                    record.id
                ),
            }
        }
    }

    #[test]
    fn bom_refs_are_unique_when_a_member_repeats() {
        let elf = ElfSpec::executable(
            crate::model::ElfClass::Elf32,
            crate::model::Endian::Little,
            machine::ARM,
        )
        .build();
        // `tar -r` style: the same path twice.
        let tar = samples::tar(&[
            RootfsEntry::File("bin/app", elf.clone()),
            RootfsEntry::File("bin/app", elf),
        ]);
        let result =
            scan_bytes("fw.tar", Bytes::from_vec(tar), &ScanOptions::default()).expect("scan");
        let bom = cyclonedx(&result, &SbomOptions::reproducible(0));
        let refs: Vec<_> = bom
            .components
            .iter()
            .filter_map(|c| c.bom_ref.clone())
            .collect();
        assert_eq!(
            refs,
            ["file:fw.tar › tar:bin/app", "file:fw.tar › tar:bin/app#2"]
        );
    }
}
