//! The key that seals secrets the server must read back (authenticator-app secrets):
//! XChaCha20-Poly1305 with a random nonce per value. Production takes it from the
//! environment (`GATEHOUSE_FACTOR_KEY`, 32 bytes in base64) and refuses to start without
//! a valid one; development creates one under `data/secrets/` on first start and keeps it.

use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, OsRng},
};
use std::path::Path;

pub const FACTOR_KEY_ENV: &str = "GATEHOUSE_FACTOR_KEY";

#[derive(Clone)]
pub struct SealingKey(XChaCha20Poly1305, [u8; 32]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey([redacted])")
    }
}

impl SealingKey {
    fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(text.trim()).context("not base64")?;
        if bytes.len() != 32 {
            bail!("must be 32 bytes, found {}", bytes.len());
        }
        // A second key derived from it, for values that must be stable and unguessable
        // without being readable back (pairwise subject identifiers).
        let derived: [u8; 32] = {
            use sha2::Digest;
            sha2::Sha256::new()
                .chain_update(b"gatehouse pairwise subject\0")
                .chain_update(&bytes)
                .finalize()
                .into()
        };
        Ok(Self(XChaCha20Poly1305::new_from_slice(&bytes)?, derived))
    }

    /// A new random key, base64 (what `GATEHOUSE_FACTOR_KEY` holds).
    pub fn generate() -> String {
        STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// Loads the key: from the environment when set; otherwise, in development only,
    /// from (or newly into) `data_dir/secrets/factor.key`.
    pub fn load(production: bool, data_dir: &Path) -> anyhow::Result<Self> {
        if let Ok(text) = std::env::var(FACTOR_KEY_ENV) {
            return Self::from_base64(&text).with_context(|| {
                format!("{FACTOR_KEY_ENV} is set but unusable; generate one with `gatehouse gen-factor-key`")
            });
        }
        if production {
            bail!(
                "{FACTOR_KEY_ENV} is not set. Production mode needs the key that seals second-factor \
                 secrets from the environment: generate one with `gatehouse gen-factor-key`"
            );
        }
        let path = data_dir.join("secrets").join("factor.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Self::from_base64(&text)
                .with_context(|| format!("{} is not a valid key", path.display()));
        }
        let text = Self::generate();
        crate::server::keys::write_private(&path, &text)?;
        tracing::info!(path = %path.display(), "created a development factor key");
        Self::from_base64(&text)
    }

    /// A stable identifier for this person at this app that no other app can link to
    /// theirs (OpenID pairwise `sub`): SHA-256 over a key derived from this one.
    pub fn pairwise_subject(&self, sector: &str, user_id: &str) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use sha2::Digest;
        let digest = sha2::Sha256::new()
            .chain_update(self.1)
            .chain_update(sector.as_bytes())
            .chain_update([0])
            .chain_update(user_id.as_bytes())
            .finalize();
        URL_SAFE_NO_PAD.encode(digest)
    }

    /// Seals `plain`: base64 of nonce and ciphertext.
    pub fn seal(&self, plain: &[u8]) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let sealed = self.0.encrypt(&nonce, plain).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// Opens what [`seal`](Self::seal) made; `None` when it was made under another key or
    /// altered.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: &XNonce = nonce.into();
        self.0.decrypt(nonce, ciphertext).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_under_their_key() {
        let key = SealingKey::from_base64(&SealingKey::generate()).unwrap();
        let other = SealingKey::from_base64(&SealingKey::generate()).unwrap();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP");
        assert_ne!(
            sealed,
            key.seal(b"JBSWY3DPEHPK3PXP"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(other.open(&sealed).is_none());
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open(&STANDARD.encode(tampered)).is_none());
        assert!(key.open("not base64!").is_none());
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert!(SealingKey::from_base64(&STANDARD.encode([0u8; 16])).is_err());
        assert!(SealingKey::from_base64("%%%").is_err());
    }

    #[test]
    fn development_keys_persist() {
        let dir = tempfile::tempdir().unwrap();
        let a = SealingKey::load(false, dir.path()).unwrap();
        let b = SealingKey::load(false, dir.path()).unwrap();
        assert_eq!(b.open(&a.seal(b"x")).unwrap(), b"x");
        if std::env::var(FACTOR_KEY_ENV).is_err() {
            assert!(SealingKey::load(true, dir.path()).is_err());
        }
    }
}
