//! Security posture facts for the technical review (domain.md §5): which
//! TLS/crypto libraries the image carries, which remote services it
//! starts, and which of those can only speak plaintext.

use std::collections::BTreeSet;

use serde::Serialize;

use super::verdict::Findings;
use crate::model::{Artifact, Category};

/// Components that give a device TLS.
const TLS_LIBRARIES: &[&str] = &[
    "openssl",
    "libressl",
    "boringssl",
    "wolfssl",
    "mbedtls",
    "polarssl",
    "gnutls",
    "matrixssl",
];

/// Services that have no encrypted form.
const ALWAYS_PLAINTEXT: &[&str] = &["telnetd"];

/// Services that encrypt without a TLS library.
const OWN_ENCRYPTION: &[&str] = &["ssh (dropbear/sshd)"];

/// What the review asks: is data encrypted, can outsiders get in.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Posture {
    /// TLS/crypto libraries present, `name version`.
    pub tls_libraries: Vec<String>,
    /// Remote services found (named capability verdicts with a port).
    pub services: Vec<String>,
    /// Services that can only speak plaintext: telnet always, the others
    /// when the image has no TLS library at all.
    pub plaintext_services: Vec<String>,
    /// A fixed root password hash ships in every device.
    pub static_root_password: bool,
    /// Embedded private keys (count of files).
    pub private_keys: usize,
}

impl Posture {
    /// The posture of `image` given its verdicts.
    pub fn of(image: &Artifact, findings: &Findings) -> Posture {
        let tls: BTreeSet<String> = image
            .iter()
            .flat_map(|a| &a.identified)
            // The C libraries, not a Rust crate of the same name.
            .filter(|i| {
                TLS_LIBRARIES.contains(&i.component.as_str())
                    && !crate::identify::lists_linked_code(&i.classifier)
            })
            .map(|i| match i.version.as_str() {
                "" => i.component.clone(),
                version => format!("{} {version}", i.component),
            })
            .collect();
        let services: Vec<String> = findings
            .named(Category::Capability)
            .filter(|v| !v.ports.is_empty())
            .map(|v| v.vendor.clone())
            .collect();
        let plaintext = services
            .iter()
            .filter(|s| !OWN_ENCRYPTION.contains(&s.as_str()))
            .filter(|s| tls.is_empty() || ALWAYS_PLAINTEXT.contains(&s.as_str()))
            .cloned()
            .collect();
        let capability = |vendor: &str| {
            findings
                .named(Category::Capability)
                .find(|v| v.vendor == vendor)
        };
        Posture {
            tls_libraries: tls.into_iter().collect(),
            services,
            plaintext_services: plaintext,
            static_root_password: capability("static root password").is_some(),
            private_keys: capability("private key").map_or(0, |v| v.hit_count),
        }
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        let tls = if self.tls_libraries.is_empty() {
            "TLS: none".to_string()
        } else {
            format!("TLS: {}", self.tls_libraries.join(", "))
        };
        let mut parts = vec![tls];
        if !self.plaintext_services.is_empty() {
            parts.push(format!("plaintext: {}", self.plaintext_services.join(", ")));
        }
        if self.static_root_password {
            parts.push("static root password".into());
        }
        if self.private_keys > 0 {
            parts.push(format!("{} private key(s)", self.private_keys));
        }
        parts.join(" · ")
    }
}
