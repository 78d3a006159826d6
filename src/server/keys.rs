//! The access-token signing keys (Ed25519). Production takes the current one from the
//! environment (`GATEHOUSE_JWT_PRIVATE_KEY`, a PKCS#8 PEM) and refuses to start without a
//! valid one; development creates one under `data/secrets/` on first start and keeps it.
//!
//! Rotation: a new key signs from the next start; the retired one stays published in the
//! JWKS and accepted until every token it signed has expired (one access-token
//! lifetime). Retired keys come from `GATEHOUSE_JWT_PREVIOUS_PRIVATE_KEY` or, for keys
//! kept on disk, `data/secrets/retired/<unix time>-<kid>.pem` (`gatehouse rotate-key`).

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
pub const PREVIOUS_KEY_ENV: &str = "GATEHOUSE_JWT_PREVIOUS_PRIVATE_KEY";
/// Retired keys stay a little longer than a token lives, for clocks that disagree.
pub const ROTATION_SKEW_SECONDS: i64 = 60;

/// The key that signs, and retired keys that still verify.
#[derive(Clone, Debug)]
pub struct KeyRing {
    pub current: SigningKeyPair,
    pub retired: Vec<RetiredKey>,
}

/// A key that no longer signs: it verifies, and is published, until `until` (unix
/// seconds): its retirement plus one token lifetime. Checked on every use, so a
/// long-running process drops it on time without a restart.
#[derive(Clone, Debug)]
pub struct RetiredKey {
    pub key: SigningKeyPair,
    pub until: i64,
}

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

fn current_key_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("secrets").join("jwt-ed25519.pem")
}

pub(crate) fn retired_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("secrets").join("retired")
}

/// The current key and the keys retired less than `retired_for_seconds` ago.
pub fn load_ring(
    production: bool,
    data_dir: &Path,
    retired_for_seconds: i64,
) -> anyhow::Result<KeyRing> {
    let current = load(production, data_dir)?;
    let mut retired = Vec::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Ok(pem) = std::env::var(PREVIOUS_KEY_ENV)
        && !pem.trim().is_empty()
    {
        // Its retirement time is unknown; at the latest it was retired when this process
        // started with a new current key.
        retired.push(RetiredKey {
            key: SigningKeyPair::from_pem(&pem).with_context(|| {
                format!("{PREVIOUS_KEY_ENV} is set but is not an Ed25519 PKCS#8 PEM key")
            })?,
            until: now + retired_for_seconds,
        });
    }
    for (until, path, pem) in retired_pems(&retired_dir(data_dir), retired_for_seconds, now) {
        retired.push(RetiredKey {
            key: SigningKeyPair::from_pem(&pem)
                .with_context(|| format!("{} is not a valid key; delete it", path.display()))?,
            until,
        });
    }
    retired.retain(|k| k.key.kid != current.kid);
    Ok(KeyRing { current, retired })
}

/// Retired key files with the time they were retired (from their name).
fn retired_files(dir: &Path) -> Vec<(i64, std::path::PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let at = name.strip_suffix(".pem")?.split('-').next()?.parse().ok()?;
            Some((at, e.path()))
        })
        .collect()
}

/// The keys in `dir` retired at most `keep` seconds before `now`: (verifies until,
/// file, PEM).
pub(crate) fn retired_pems(
    dir: &Path,
    keep: i64,
    now: i64,
) -> Vec<(i64, std::path::PathBuf, String)> {
    retired_files(dir)
        .into_iter()
        .filter(|(retired_at, _)| now - retired_at <= keep)
        .filter_map(|(retired_at, path)| {
            let pem = std::fs::read_to_string(&path).ok()?;
            Some((retired_at + keep, path, pem))
        })
        .collect()
}

/// Moves the key file `current` (key id `kid`) into `dir` as `<now>-<kid>.pem`, after
/// deleting the keys there retired more than `keep` seconds ago (their tokens have all
/// expired; the one retired now stays).
pub(crate) fn retire_file(current: &Path, dir: &Path, kid: &str, keep: i64) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (retired_at, file) in retired_files(dir) {
        if now - retired_at > keep {
            let _ = std::fs::remove_file(file);
        }
    }
    crate::server::create_private_dir(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let retired_path = dir.join(format!("{now}-{kid}.pem"));
    std::fs::rename(current, &retired_path)
        .with_context(|| format!("moving {} to {}", current.display(), retired_path.display()))
}

/// Retires the on-disk key and makes a new one; deletes keys retired more than
/// `retired_for_seconds` ago. Returns (old kid, new kid). Keys given in the environment
/// are rotated there instead (see the README).
pub fn rotate(data_dir: &Path, retired_for_seconds: i64) -> anyhow::Result<(String, String)> {
    if std::env::var_os(PRIVATE_KEY_ENV).is_some() {
        bail!(
            "the signing key comes from {PRIVATE_KEY_ENV}: rotate it there. Move its value to \
             {PREVIOUS_KEY_ENV}, put a new key (`gatehouse gen-key`) in {PRIVATE_KEY_ENV}, restart, \
             and remove {PREVIOUS_KEY_ENV} after one access-token lifetime"
        );
    }
    let path = current_key_path(data_dir);
    let old = load(false, data_dir)?;
    retire_file(&path, &retired_dir(data_dir), &old.kid, retired_for_seconds)?;
    let pem = generate_pem()?;
    write_private(&path, &pem)?;
    Ok((old.kid, SigningKeyPair::from_pem(&pem)?.kid))
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
    let path = current_key_path(data_dir);
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

pub(crate) fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().context("key path has no folder")?;
    crate::server::create_private_dir(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
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

#[cfg(test)]
mod rotation_tests {
    use super::*;
    use crate::server::auth::tokens::AccessTokens;

    fn tokens(ring: &KeyRing) -> AccessTokens {
        AccessTokens::new(
            ring.current.clone(),
            "https://id.example".into(),
            "gatehouse".into(),
            std::time::Duration::from_secs(900),
        )
        .with_retired(ring.retired.clone())
    }

    #[test]
    fn a_rotated_key_keeps_verifying_for_one_token_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let before = load_ring(false, dir.path(), 960).unwrap();
        assert!(before.retired.is_empty());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (old_token, _) = tokens(&before)
            .issue(&"u1".into(), &"s1".into(), crate::domain::Role::User, now)
            .unwrap();

        let (old_kid, new_kid) = rotate(dir.path(), 960).unwrap();
        assert_eq!(old_kid, before.current.kid);
        assert_ne!(old_kid, new_kid);
        let after = load_ring(false, dir.path(), 960).unwrap();
        assert_eq!(after.current.kid, new_kid, "the new key signs");
        assert_eq!(after.retired.len(), 1);
        let t = tokens(&after);
        assert!(
            t.verify(&old_token, time::OffsetDateTime::now_utc().unix_timestamp())
                .is_ok(),
            "old tokens still verify"
        );
        let kids: Vec<_> = t.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(kids, [new_kid.clone(), old_kid.clone()]);
        let (new_token, _) = t
            .issue(&"u1".into(), &"s1".into(), crate::domain::Role::User, now)
            .unwrap();
        assert!(
            new_token.len() > 10
                && t.verify(&new_token, time::OffsetDateTime::now_utc().unix_timestamp())
                    .is_ok()
        );

        // A long-running process drops the key on time, without a restart.
        let expired: Vec<RetiredKey> = after
            .retired
            .iter()
            .map(|k| RetiredKey {
                key: k.key.clone(),
                until: now - 1,
            })
            .collect();
        let running = AccessTokens::new(
            after.current.clone(),
            "https://id.example".into(),
            "gatehouse".into(),
            std::time::Duration::from_secs(900),
        )
        .with_retired(expired);
        assert!(
            running
                .verify(&old_token, time::OffsetDateTime::now_utc().unix_timestamp())
                .is_err(),
            "refused after its time"
        );
        assert_eq!(
            running.jwks()["keys"].as_array().unwrap().len(),
            1,
            "unpublished"
        );

        // Once the lifetime has passed, the old key is gone: its tokens are refused.
        let later = load_ring(false, dir.path(), -1).unwrap();
        assert!(later.retired.is_empty());
        assert!(
            tokens(&later)
                .verify(&old_token, time::OffsetDateTime::now_utc().unix_timestamp())
                .is_err()
        );
        // And the next rotation deletes its file.
        rotate(dir.path(), -1).unwrap();
        assert_eq!(
            retired_files(&retired_dir(dir.path())).len(),
            1,
            "only the key just retired"
        );
    }
}
