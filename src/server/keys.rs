//! The access-token signing key (Ed25519). Production takes it from the environment
//! (`GATEHOUSE_JWT_PRIVATE_KEY`, a PKCS#8 PEM) and refuses to start without a valid one;
//! development creates one under `data/secrets/` on first start and keeps it.

use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{
    SigningKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding},
};
use jsonwebtoken::{DecodingKey, EncodingKey};
use sha2::{Digest, Sha256};
use std::path::Path;

pub const PRIVATE_KEY_ENV: &str = "GATEHOUSE_JWT_PRIVATE_KEY";

/// A signing key with its public half and key id.
#[derive(Clone)]
pub struct SigningKeyPair {
    /// Key id: the first 16 hex digits of SHA-256 of the public key, stable across restarts.
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// The public key, base64url (the JWK `x` member).
    pub public_x: String,
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyPair")
            .field("kid", &self.kid)
            .field("private", &"[redacted]")
            .finish()
    }
}

impl SigningKeyPair {
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let key = SigningKey::from_pkcs8_pem(pem.trim())
            .context("not an Ed25519 private key in PKCS#8 PEM form")?;
        Self::from_signing_key(&key)
    }

    fn from_signing_key(key: &SigningKey) -> anyhow::Result<Self> {
        let der = key.to_pkcs8_der().context("encoding the private key")?;
        let public = key.verifying_key().to_bytes();
        let public_x = URL_SAFE_NO_PAD.encode(public);
        let kid = hex_prefix(&Sha256::digest(public), 8);
        Ok(Self {
            kid,
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_components(&public_x)
                .context("decoding the public key")?,
            public_x,
        })
    }
}

/// A new random key as PKCS#8 PEM (for `gatehouse gen-key` and development).
pub fn generate_pem() -> anyhow::Result<String> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    Ok(key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the key")?
        .to_string())
}

/// Loads the signing key: from the environment when set; otherwise, in development only,
/// from (or newly into) `data_dir/secrets/jwt-ed25519.pem`.
pub fn load(production: bool, data_dir: &Path) -> anyhow::Result<SigningKeyPair> {
    if let Ok(pem) = std::env::var(PRIVATE_KEY_ENV) {
        return SigningKeyPair::from_pem(&pem).with_context(|| {
            format!("{PRIVATE_KEY_ENV} is set but unusable; generate one with `gatehouse gen-key`")
        });
    }
    if production {
        bail!(
            "{PRIVATE_KEY_ENV} is not set. Production mode needs a signing key from the environment: \
             generate one with `gatehouse gen-key` and put it in {PRIVATE_KEY_ENV} (or .env)"
        );
    }
    let path = data_dir.join("secrets").join("jwt-ed25519.pem");
    if let Ok(pem) = std::fs::read_to_string(&path) {
        return SigningKeyPair::from_pem(&pem).with_context(|| {
            format!(
                "{} is not a valid key; delete it to get a new one",
                path.display()
            )
        });
    }
    let pem = generate_pem()?;
    write_private(&path, &pem)?;
    tracing::info!(path = %path.display(), "created a development signing key");
    SigningKeyPair::from_pem(&pem)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().context("key path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

fn hex_prefix(bytes: &[u8], n: usize) -> String {
    bytes.iter().take(n).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_key_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load(false, dir.path()).unwrap();
        let second = load(false, dir.path()).unwrap();
        assert_eq!(first.kid, second.kid);
        assert_eq!(first.kid.len(), 16);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join("secrets/jwt-ed25519.pem")).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(SigningKeyPair::from_pem("not a key").is_err());
        let pem = generate_pem().unwrap();
        assert!(SigningKeyPair::from_pem(&pem).is_ok());
    }
}
