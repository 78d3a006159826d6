//! The RSA key that signs ID tokens and app access tokens (RS256, the algorithm every
//! OpenID client must support). Production takes it from `GATEHOUSE_OIDC_PRIVATE_KEY`
//! (PKCS#8 PEM); development makes one under `data/secrets/` the first time an app needs
//! it, so starting the server never waits for a 2048-bit key. Rotation works as for the
//! Ed25519 key: the retired key (`GATEHOUSE_OIDC_PREVIOUS_PRIVATE_KEY`) stays published
//! and verifying.

use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::{
    RsaPrivateKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding},
    traits::PublicKeyParts,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const PRIVATE_KEY_ENV: &str = "GATEHOUSE_OIDC_PRIVATE_KEY";
pub const PREVIOUS_KEY_ENV: &str = "GATEHOUSE_OIDC_PREVIOUS_PRIVATE_KEY";
const BITS: usize = 2048;

/// An RSA key pair with its key id and JWK numbers.
#[derive(Clone)]
pub struct RsaKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    n: String,
    e: String,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl RsaKey {
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem.trim())
            .context("not an RSA private key in PKCS#8 PEM form")?;
        if key.size() * 8 < BITS {
            bail!(
                "the RSA key has {} bits; at least {BITS} are needed",
                key.size() * 8
            );
        }
        let n_bytes = key.n().to_bytes_be();
        let n = URL_SAFE_NO_PAD.encode(&n_bytes);
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        Ok(Self {
            kid: format!("rsa-{}", hex_prefix(&Sha256::digest(&n_bytes))),
            encoding: EncodingKey::from_rsa_pem(pem.trim().as_bytes())
                .context("reading the RSA key for signing")?,
            decoding: DecodingKey::from_rsa_components(&n, &e)
                .context("reading the RSA public key")?,
            n,
            e,
        })
    }

    /// The public key as a JWK (RFC 7517).
    pub fn jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        })
    }
}

fn hex_prefix(digest: &[u8]) -> String {
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random key as PKCS#8 PEM (for `gatehouse gen-oidc-key` and development).
pub fn generate_pem() -> anyhow::Result<String> {
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, BITS).context("making an RSA key")?;
    Ok(key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the RSA key")?
        .to_string())
}

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("secrets").join("oidc-rsa.pem")
}

/// The signing key and the retired one (if any). Slow on first use in development (it
/// makes the key): call it off the async threads.
pub fn load(production: bool, data_dir: &Path) -> anyhow::Result<(RsaKey, Option<RsaKey>)> {
    let retired = match std::env::var(PREVIOUS_KEY_ENV) {
        Ok(pem) if !pem.trim().is_empty() => Some(
            RsaKey::from_pem(&pem)
                .with_context(|| format!("{PREVIOUS_KEY_ENV} is set but unusable"))?,
        ),
        _ => None,
    };
    if let Ok(pem) = std::env::var(PRIVATE_KEY_ENV) {
        let key = RsaKey::from_pem(&pem).with_context(|| {
            format!("{PRIVATE_KEY_ENV} is set but unusable; make one with `gatehouse gen-oidc-key`")
        })?;
        return Ok((key, retired));
    }
    if production {
        bail!(
            "{PRIVATE_KEY_ENV} is not set. Production mode needs the ID-token signing key from \
             the environment: make one with `gatehouse gen-oidc-key`"
        );
    }
    let path = key_path(data_dir);
    if let Ok(pem) = std::fs::read_to_string(&path) {
        let key = RsaKey::from_pem(&pem).with_context(|| {
            format!(
                "{} is not a valid key; delete it to get a new one",
                path.display()
            )
        })?;
        return Ok((key, retired));
    }
    let pem = generate_pem()?;
    // Two instances of a development fleet may race to make it: the first file wins.
    if let Err(e) = crate::server::keys::write_private(&path, &pem) {
        match std::fs::read_to_string(&path) {
            Ok(theirs) => return Ok((RsaKey::from_pem(&theirs)?, retired)),
            Err(_) => return Err(e),
        }
    }
    tracing::info!(path = %path.display(), "created a development ID-token signing key");
    Ok((RsaKey::from_pem(&pem)?, retired))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_keys_persist_and_publish_their_public_half() {
        let dir = tempfile::tempdir().unwrap();
        if std::env::var(PRIVATE_KEY_ENV).is_ok() {
            return;
        }
        let (a, _) = load(false, dir.path()).unwrap();
        let (b, _) = load(false, dir.path()).unwrap();
        assert_eq!(a.kid, b.kid);
        let jwk = a.jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert!(jwk.get("d").is_none(), "never the private exponent");
        assert!(load(true, dir.path()).is_err());
    }
}
