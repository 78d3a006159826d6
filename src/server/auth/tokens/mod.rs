//! Access tokens (short-lived EdDSA JWTs) and refresh tokens (opaque, random, stored only
//! as SHA-256 hashes).

use crate::domain::{Role, SessionId, UserId};
use crate::server::keys::{RetiredKey, SigningKeyPair};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The JWT `typ` of our access tokens (RFC 9068), so an ID token or any other JWT signed
/// with the same key is never taken for one.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub sid: String,
    pub role: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("token invalid")]
    Invalid,
}

/// Issues and verifies access tokens.
#[derive(Clone, Debug)]
pub struct AccessTokens {
    key: SigningKeyPair,
    /// Keys that signed before the last rotation: they verify, and are published, until
    /// their time is up.
    retired: Vec<RetiredKey>,
    issuer: String,
    audience: String,
    ttl_seconds: i64,
}

impl AccessTokens {
    pub fn new(key: SigningKeyPair, issuer: String, audience: String, ttl: Duration) -> Self {
        Self {
            key,
            retired: Vec::new(),
            issuer,
            audience,
            ttl_seconds: crate::server::clock::seconds(ttl),
        }
    }

    /// Adds retired keys: tokens they signed still verify until they expire.
    pub fn with_retired(mut self, retired: Vec<RetiredKey>) -> Self {
        self.retired = retired;
        self
    }

    /// The current key, then the retired keys whose time is not up yet.
    fn live_keys(&self) -> impl Iterator<Item = &SigningKeyPair> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        std::iter::once(&self.key).chain(
            self.retired
                .iter()
                .filter(move |r| r.until >= now)
                .map(|r| &r.key),
        )
    }

    /// The JSON Web Key Set that verifies these tokens: the current key first.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .live_keys()
            .map(|k| {
                serde_json::json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": "EdDSA",
                    "use": "sig",
                    "kid": k.kid,
                    "x": k.public_x,
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// The key with this id, if it is ours.
    fn key_for(&self, kid: Option<&str>) -> Option<&SigningKeyPair> {
        let kid = kid?;
        self.live_keys().find(|k| k.kid == kid)
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    /// Signs a token for this session; returns it with its expiry (unix seconds).
    pub fn issue(
        &self,
        user_id: &UserId,
        session_id: &SessionId,
        role: Role,
        now: i64,
    ) -> anyhow::Result<(String, i64)> {
        self.issue_for(&self.audience.clone(), user_id, session_id, role, now)
    }

    /// Signs a token for another service (`audience`): it verifies with our JWKS, and
    /// [`Self::verify`] (Gatehouse's own API) refuses it.
    pub fn issue_for(
        &self,
        audience: &str,
        user_id: &UserId,
        session_id: &SessionId,
        role: Role,
        now: i64,
    ) -> anyhow::Result<(String, i64)> {
        let exp = now + self.ttl_seconds;
        let claims = AccessClaims {
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            role: role.as_str().to_string(),
            iat: now,
            nbf: now,
            exp,
            iss: self.issuer.clone(),
            aud: audience.to_string(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYP.into());
        header.kid = Some(self.key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.key.encoding)?;
        Ok((token, exp))
    }

    /// Signs another kind of JWT (an app's ID token, for apps that chose EdDSA) with the
    /// current key; `typ` keeps it from ever being taken for an access token.
    pub fn sign_other(&self, typ: &str, claims: &impl Serialize) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(typ.into());
        header.kid = Some(self.key.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.key.encoding)?)
    }

    /// The public key with this id, while it is live (for JWTs signed by [`Self::sign_other`]).
    pub fn decoding_key(&self, kid: Option<&str>) -> Option<&jsonwebtoken::DecodingKey> {
        self.key_for(kid).map(|k| &k.decoding)
    }

    /// The issuer these tokens carry (`public_url` unless configured otherwise).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Checks signature, algorithm (EdDSA only: never `none`, never HMAC with the public
    /// key), key id, type, issuer, audience, and expiry and not-before against `now` (the
    /// app's clock, not the library's, so tests can move it).
    pub fn verify(&self, token: &str, now: i64) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let Some(key) = self.key_for(header.kid.as_deref()) else {
            return Err(TokenError::Invalid);
        };
        if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        // Times are checked below on our clock; we issued them on it, so no leeway.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| TokenError::Invalid)?;
        if claims.nbf > now {
            return Err(TokenError::Invalid);
        }
        if claims.exp < now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// A new refresh token: 256 random bits, base64url; and the hash to store.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// SHA-256, hex: a database leak gives no usable token.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The one-time pad that seals a successor refresh token under its predecessor: only a
/// holder of the predecessor (never stored) can open it.
fn successor_pad(previous: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"gatehouse refresh successor\0");
    hasher.update(previous.as_bytes());
    hasher.finalize().into()
}

/// Seals `successor` (a refresh token) so that `previous` opens it: base64url.
pub fn seal_successor(successor: &str, previous: &str) -> Option<String> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(successor).ok()?.try_into().ok()?;
    let pad = successor_pad(previous);
    let sealed: Vec<u8> = bytes.iter().zip(pad).map(|(b, p)| b ^ p).collect();
    Some(URL_SAFE_NO_PAD.encode(sealed))
}

/// Opens what [`seal_successor`] sealed, given the predecessor token.
pub fn open_successor(sealed: &str, previous: &str) -> Option<String> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(sealed).ok()?.try_into().ok()?;
    let pad = successor_pad(previous);
    let opened: Vec<u8> = bytes.iter().zip(pad).map(|(b, p)| b ^ p).collect();
    Some(URL_SAFE_NO_PAD.encode(opened))
}

#[cfg(test)]
mod tests;
