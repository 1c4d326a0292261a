// Credentials and key material for the technical review: static root
// password hashes and embedded private keys and certificates. Only the
// kind of material is reported, never the material. domain.md §5.

rule credential_static_root_hash {
  meta:
    vendor = "static root password" category = "capability" weight = "strong"
    description = "root has a fixed password hash in passwd/shadow: every device shares it"
    reference = "domain.md §5 (static root hashes)"
    fixture_path = "etc/passwd" fixture = "root:absxcfbgXtb3o:0:0::/root:/bin/sh\n"
    decoy_path = "etc/passwd" decoy = "root:x:0:0::/root:/bin/sh\nroot2:*:0:0::/:/bin/false\n"
  strings: $r = /(^|\n)root:[^:*!x\n][^:\n]+:/
  condition: (name == "passwd" or name == "shadow" or name == "passwd-" or name == "shadow-") and $r
}

rule crypto_private_key {
  meta:
    vendor = "private key" category = "capability" weight = "strong" asset = "private-key"
    description = "PEM private key embedded in the image"
    reference = "domain.md §5 (embedded private keys)"
    fixture = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow" decoy = "-----BEGIN PUBLIC KEY-----\nMIIB"
  strings: $k = /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/
  condition: $k
}

rule crypto_certificate {
  meta:
    vendor = "certificate" category = "capability" weight = "strong" asset = "certificate"
    description = "PEM certificate embedded in the image"
    reference = "domain.md §5"
    fixture = "-----BEGIN CERTIFICATE-----\nMIID" decoy = "-----BEGIN CERTIFICATE REQUEST-----\nMIIC"
  strings: $c = "-----BEGIN CERTIFICATE-----"
  condition: $c
}
