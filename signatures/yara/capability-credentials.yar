// Credentials and key material for the technical review: static root
// password hashes and embedded private keys and certificates. Only the
// kind of material is reported, never the material. domain.md §5.

rule credential_static_root_hash {
  meta:
    vendor = "static root password" category = "capability" weight = "strong"
    description = "root has a fixed password hash (or none) in passwd/shadow: every device shares it"
    reference = "domain.md §5 (static root hashes)"
    fixture_path = "etc/passwd" fixture = "root:absxcfbgXtb3o:0:0::/root:/bin/sh\n"
    decoy_path = "etc/passwd" decoy = "root:x:0:0::/root:/bin/sh\nroot2:*:0:0::/:/bin/false\n"
  // A hash, or nothing at all (`root::` logs in without a password).
  strings: $r = /(^|\n)root:([^:*!x\n][^:\n]+)?:/
  condition: (name == "passwd" or name == "shadow" or name == "passwd-" or name == "shadow-") and $r
}

rule crypto_private_key {
  meta:
    vendor = "private key" category = "capability" weight = "strong" asset = "private-key"
    description = "PEM private key embedded in the image"
    reference = "domain.md §5 (embedded private keys)"
    fixture = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAwJ1QWnBrSu6nTthZ4oqbu3ZPz2cvZKsq\n"
    decoy = "\x00-----BEGIN RSA PRIVATE KEY-----\x00-----END RSA PRIVATE KEY-----\x00"
  // The base64 body after the header: parsers (mbedTLS, wolfSSL) carry
  // the header line alone as a constant.
  strings: $k = /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\r?\n[A-Za-z0-9+\/]{40}/
  condition: $k
}

rule crypto_certificate {
  meta:
    vendor = "certificate" category = "capability" weight = "strong" asset = "certificate"
    description = "PEM certificate embedded in the image"
    reference = "domain.md §5"
    fixture = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n"
    decoy = "\x00-----BEGIN CERTIFICATE-----\x00-----BEGIN CERTIFICATE REQUEST-----\nMIIC"
  strings: $c = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+\/]{40}/
  condition: $c
}
