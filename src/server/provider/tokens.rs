//! The JWTs the provider signs: ID tokens (RS256 by default, EdDSA for apps that chose
//! it) and app access tokens (RS256, RFC 9068 `at+jwt`), and the claims each scope
//! releases.

use super::{ACR_MFA, ErrorCode, ProtocolError, has_scope};
use crate::server::{
    db::{provider::clients::ClientRow, users::UserRow},
    state::AppState,
};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub const ACCESS_TYP: &str = "at+jwt";
const ID_TOKEN_TYP: &str = "JWT";

/// An app access token's claims (RFC 9068), plus the grant it belongs to, so that
/// revoking the grant ends the token at userinfo and introspection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppAccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The grant's id.
    pub gid: String,
}

fn unavailable(e: anyhow::Error) -> ProtocolError {
    tracing::error!(error = ?e, "OpenID provider: signing key unavailable");
    ProtocolError::new(
        ErrorCode::TemporarilyUnavailable,
        "The signing key is not available; try again in a moment.",
    )
}

/// The issuer: the public URL, exactly as discovery names it.
pub fn issuer(state: &AppState) -> String {
    state.access_tokens.issuer().to_string()
}

/// The `sub` this app sees for this person: the user id, or a pairwise one.
pub fn subject(state: &AppState, client: &ClientRow, user_id: &str) -> String {
    if client.pairwise() {
        state.sealing.pairwise_subject(&client.id, user_id)
    } else {
        user_id.to_string()
    }
}

/// What the scopes release about a person (OpenID Core 5.4).
pub fn user_claims(user: &UserRow, scope: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    if has_scope(scope, "profile") {
        let name = user
            .display_name
            .clone()
            .unwrap_or_else(|| user.username.clone());
        claims.insert("name".into(), json!(name));
        claims.insert("preferred_username".into(), json!(user.username));
        if let Some(picture) = &user.avatar_url {
            claims.insert("picture".into(), json!(picture));
        }
        claims.insert("updated_at".into(), json!(user.updated_at));
    }
    if has_scope(scope, "email") {
        claims.insert("email".into(), json!(user.email));
        claims.insert(
            "email_verified".into(),
            json!(user.email_verified_at.is_some()),
        );
    }
    claims
}

/// An access token for this grant.
pub async fn sign_access(
    state: &AppState,
    client_id: &str,
    subject: &str,
    scope: &str,
    grant_id: &str,
    now: i64,
) -> super::Result<(String, i64)> {
    let keys = state.provider.keys().await.map_err(unavailable)?;
    let exp = now + super::ACCESS_TOKEN_TTL_SECONDS;
    let claims = AppAccessClaims {
        iss: issuer(state),
        sub: subject.to_string(),
        aud: client_id.to_string(),
        client_id: client_id.to_string(),
        scope: scope.to_string(),
        iat: now,
        exp,
        jti: crate::server::db::new_id(),
        gid: grant_id.to_string(),
    };
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some(ACCESS_TYP.into());
    header.kid = Some(keys.current.kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &keys.current.encoding)
        .map_err(|e| unavailable(e.into()))?;
    Ok((token, exp))
}

/// An app access token's claims if we signed it, it is of that type, and it has not
/// expired at `now`. Whether its grant still stands is the caller's question.
pub async fn verify_access(state: &AppState, token: &str, now: i64) -> Option<AppAccessClaims> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    if header.alg != Algorithm::RS256 || header.typ.as_deref() != Some(ACCESS_TYP) {
        return None;
    }
    let keys = state.provider.keys().await.ok()?;
    let key = keys.verifying(header.kid.as_deref(), now)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer(state)]);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
    let claims = jsonwebtoken::decode::<AppAccessClaims>(token, &key.decoding, &validation)
        .ok()?
        .claims;
    (claims.exp >= now).then_some(claims)
}

/// What an ID token says about the login.
pub struct IdTokenFacts<'a> {
    pub subject: &'a str,
    pub auth_time: Option<i64>,
    pub nonce: Option<&'a str>,
    pub amr: Option<&'a str>,
    pub scope: &'a str,
}

/// Signs an ID token for this app, with the claims its scopes release.
pub async fn sign_id_token(
    state: &AppState,
    client: &ClientRow,
    user: &UserRow,
    facts: IdTokenFacts<'_>,
    now: i64,
) -> super::Result<String> {
    let mut claims = user_claims(user, facts.scope);
    claims.insert("iss".into(), json!(issuer(state)));
    claims.insert("sub".into(), json!(facts.subject));
    claims.insert("aud".into(), json!(client.id));
    claims.insert("azp".into(), json!(client.id));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + super::ID_TOKEN_TTL_SECONDS));
    if let Some(at) = facts.auth_time {
        claims.insert("auth_time".into(), json!(at));
    }
    if let Some(nonce) = facts.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    if let Some(amr) = facts.amr.filter(|a| !a.trim().is_empty()) {
        let values: Vec<&str> = amr.split_ascii_whitespace().collect();
        if values.contains(&"mfa") {
            claims.insert("acr".into(), json!(ACR_MFA));
        }
        claims.insert("amr".into(), json!(values));
    }
    if client.id_token_alg == "EdDSA" {
        return state
            .access_tokens
            .sign_other(ID_TOKEN_TYP, &claims)
            .map_err(unavailable);
    }
    let keys = state.provider.keys().await.map_err(unavailable)?;
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some(ID_TOKEN_TYP.into());
    header.kid = Some(keys.current.kid.clone());
    jsonwebtoken::encode(&header, &claims, &keys.current.encoding)
        .map_err(|e| unavailable(e.into()))
}

/// The app (`aud`) and `sub` of an ID token we signed, expired or not (an
/// `id_token_hint` at logout is usually old).
pub async fn read_id_token_hint(state: &AppState, token: &str) -> Option<(String, String)> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    if header.typ.as_deref() == Some(ACCESS_TYP) {
        return None;
    }
    let keys;
    let key = match header.alg {
        Algorithm::RS256 => {
            keys = state.provider.keys().await.ok()?;
            &keys
                .verifying(header.kid.as_deref(), state.clock.unix())?
                .decoding
        }
        Algorithm::EdDSA => state.access_tokens.decoding_key(header.kid.as_deref())?,
        _ => return None,
    };
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer(state)]);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss", "sub", "aud"]);
    #[derive(Deserialize)]
    struct Hint {
        aud: String,
        sub: String,
    }
    let hint = jsonwebtoken::decode::<Hint>(token, key, &validation)
        .ok()?
        .claims;
    Some((hint.aud, hint.sub))
}
