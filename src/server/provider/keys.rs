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

/// Retired RSA keys kept on disk, apart from the Ed25519 ones beside them.
fn retired_dir(data_dir: &Path) -> PathBuf {
    crate::server::keys::retired_dir(data_dir).join("oidc-rsa")
}

/// The key that signs, and retired keys that still verify and stay published.
#[derive(Debug)]
pub struct KeySet {
    pub current: RsaKey,
    pub retired: Vec<RetiredRsaKey>,
}

/// A key that no longer signs: it verifies until `until` (unix seconds), checked on
/// every use so a long-running process drops it on time.
#[derive(Debug)]
pub struct RetiredRsaKey {
    pub key: RsaKey,
    pub until: i64,
}

impl KeySet {
    /// The key with this id that may verify at `now`.
    pub fn verifying(&self, kid: Option<&str>, now: i64) -> Option<&RsaKey> {
        let kid = kid?;
        if self.current.kid == kid {
            return Some(&self.current);
        }
        self.retired
            .iter()
            .find(|r| r.key.kid == kid && now <= r.until)
            .map(|r| &r.key)
    }

    /// The public keys to publish at `now`.
    pub fn jwks(&self, now: i64) -> impl Iterator<Item = serde_json::Value> + '_ {
        std::iter::once(self.current.jwk()).chain(
            self.retired
                .iter()
                .filter(move |r| now <= r.until)
                .map(|r| r.key.jwk()),
        )
    }
}

/// The keys given in the environment, if any.
#[derive(Default)]
pub struct EnvKeys {
    pub current: Option<String>,
    pub previous: Option<String>,
}

impl EnvKeys {
    pub fn read() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            current: var(PRIVATE_KEY_ENV),
            previous: var(PREVIOUS_KEY_ENV),
        }
    }
}

/// The signing key and the retired ones still within `keep` seconds of their
/// retirement. Slow on first use in development (it makes the key): call it off the
/// async threads.
pub fn load(env: &EnvKeys, production: bool, data_dir: &Path, keep: i64) -> anyhow::Result<KeySet> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut retired = Vec::new();
    if let Some(pem) = &env.previous {
        // Its retirement time is unknown; at the latest it was when this process
        // started with a new current key.
        retired.push(RetiredRsaKey {
            key: RsaKey::from_pem(pem)
                .with_context(|| format!("{PREVIOUS_KEY_ENV} is set but unusable"))?,
            until: now + keep,
        });
    }
    for (until, path, pem) in crate::server::keys::retired_pems(&retired_dir(data_dir), keep, now) {
        retired.push(RetiredRsaKey {
            key: RsaKey::from_pem(&pem)
                .with_context(|| format!("{} is not a valid key; delete it", path.display()))?,
            until,
        });
    }
    let current = load_current(env, production, data_dir)?;
    retired.retain(|r| r.key.kid != current.kid);
    Ok(KeySet { current, retired })
}

fn load_current(env: &EnvKeys, production: bool, data_dir: &Path) -> anyhow::Result<RsaKey> {
    if let Some(pem) = &env.current {
        return RsaKey::from_pem(pem).with_context(|| {
            format!("{PRIVATE_KEY_ENV} is set but unusable; make one with `gatehouse gen-oidc-key`")
        });
    }
    if production {
        bail!(
            "{PRIVATE_KEY_ENV} is not set. Production mode needs the ID-token signing key from \
             the environment: make one with `gatehouse gen-oidc-key`"
        );
    }
    let path = key_path(data_dir);
    if let Ok(pem) = std::fs::read_to_string(&path) {
        return RsaKey::from_pem(&pem).with_context(|| {
            format!(
                "{} is not a valid key; delete it to get a new one",
                path.display()
            )
        });
    }
    let pem = generate_pem()?;
    // Two instances of a development fleet may race to make it: the first file wins.
    if let Err(e) = crate::server::keys::write_private(&path, &pem) {
        match std::fs::read_to_string(&path) {
            Ok(theirs) => return RsaKey::from_pem(&theirs),
            Err(_) => return Err(e),
        }
    }
    tracing::info!(path = %path.display(), "created a development ID-token signing key");
    RsaKey::from_pem(&pem)
}

/// Retires the development key on disk and makes a new one, which signs from the next
/// start; the retired one verifies for `keep` more seconds. Returns (old kid, new kid),
/// or None when there is no key on disk yet (nothing has signed). A key given in the
/// environment is rotated there instead.
pub fn rotate(data_dir: &Path, keep: i64) -> anyhow::Result<Option<(String, String)>> {
    if EnvKeys::read().current.is_some() {
        bail!(
            "the ID-token signing key comes from {PRIVATE_KEY_ENV}: rotate it there. Move its \
             value to {PREVIOUS_KEY_ENV}, put a new key (`gatehouse gen-oidc-key`) in \
             {PRIVATE_KEY_ENV}, restart, and remove {PREVIOUS_KEY_ENV} after one ID-token \
             lifetime"
        );
    }
    let path = key_path(data_dir);
    let Ok(pem) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let old = RsaKey::from_pem(&pem)?;
    crate::server::keys::retire_file(&path, &retired_dir(data_dir), &old.kid, keep)?;
    let pem = generate_pem()?;
    crate::server::keys::write_private(&path, &pem)?;
    Ok(Some((old.kid, RsaKey::from_pem(&pem)?.kid)))
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
        let env = EnvKeys::default();
        let a = load(&env, false, dir.path(), 60).unwrap().current;
        let b = load(&env, false, dir.path(), 60).unwrap().current;
        assert_eq!(a.kid, b.kid);
        let jwk = a.jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert!(jwk.get("d").is_none(), "never the private exponent");
        assert!(load(&env, true, dir.path(), 60).is_err());
    }

    #[test]
    fn a_previous_key_from_the_environment_verifies_and_is_published() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (generate_pem().unwrap(), generate_pem().unwrap());
        let env = EnvKeys {
            current: Some(new.clone()),
            previous: Some(old.clone()),
        };
        let set = load(&env, true, dir.path(), 3660).unwrap();
        let (old_kid, new_kid) = (
            RsaKey::from_pem(&old).unwrap().kid,
            RsaKey::from_pem(&new).unwrap().kid,
        );
        assert_eq!(set.current.kid, new_kid, "the new key signs");
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        assert!(set.verifying(Some(&old_kid), now).is_some());
        let published: Vec<_> = set.jwks(now).map(|k| k["kid"].clone()).collect();
        assert_eq!(published, [new_kid.as_str(), old_kid.as_str()]);
        // Past its time the retired key neither verifies nor is published.
        assert!(set.verifying(Some(&old_kid), now + 3661).is_none());
        assert_eq!(set.jwks(now + 3661).count(), 1);
        assert!(set.verifying(Some("rsa-unknown"), now).is_none());
        assert!(set.verifying(None, now).is_none());
        // A broken previous key stops start-up rather than being ignored.
        let broken = EnvKeys {
            current: Some(new),
            previous: Some("not a key".into()),
        };
        assert!(load(&broken, true, dir.path(), 60).is_err());
    }

    #[test]
    fn rotating_on_disk_keeps_the_old_key_verifying_for_a_while() {
        let dir = tempfile::tempdir().unwrap();
        let env = EnvKeys::default();
        if EnvKeys::read().current.is_some() {
            return;
        }
        assert!(
            rotate(dir.path(), 60).unwrap().is_none(),
            "nothing to rotate"
        );
        let before = load(&env, false, dir.path(), 60).unwrap();
        let (old, new) = rotate(dir.path(), 60).unwrap().unwrap();
        assert_eq!(old, before.current.kid);
        let after = load(&env, false, dir.path(), 60).unwrap();
        assert_eq!(after.current.kid, new);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        assert!(after.verifying(Some(&old), now).is_some());
        // The Ed25519 keys beside it are not confused by the RSA one.
        assert!(
            crate::server::keys::load_ring(false, dir.path(), 60)
                .unwrap()
                .retired
                .is_empty()
        );
    }
}
