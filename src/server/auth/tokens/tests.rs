//! Access tokens: what verifies and what is refused.

use super::*;
use crate::domain::Role;
use crate::server::keys::{SigningKeyPair, generate_pem};
use jsonwebtoken::{EncodingKey, encode};

fn tokens() -> AccessTokens {
    let key = SigningKeyPair::from_pem(&generate_pem().unwrap()).unwrap();
    AccessTokens::new(
        key,
        "https://id.example".into(),
        "gatehouse".into(),
        Duration::from_secs(900),
    )
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(t: &AccessTokens, now: i64) -> AccessClaims {
    AccessClaims {
        sub: "u1".into(),
        sid: "s1".into(),
        role: "user".into(),
        iat: now,
        nbf: now,
        exp: now + 60,
        iss: t.issuer.clone(),
        aud: t.audience.clone(),
        jti: "j".into(),
    }
}

fn header(t: &AccessTokens) -> Header {
    let mut h = Header::new(Algorithm::EdDSA);
    h.typ = Some(ACCESS_TOKEN_TYP.into());
    h.kid = Some(t.key.kid.clone());
    h
}

#[test]
fn a_token_for_another_service_is_not_accepted_by_gatehouse() {
    let t = tokens();
    let (token, _) = t
        .issue_for(
            "billing",
            &"u1".into(),
            &"s1".into(),
            crate::domain::Role::Admin,
            now(),
        )
        .unwrap();
    assert_eq!(t.verify(&token, now()), Err(TokenError::Invalid));
    let (own, _) = issue_as(&t, Role::Admin, now());
    assert!(t.verify(&own, now()).is_ok());
}

#[test]
fn a_sealed_successor_opens_only_with_its_predecessor() {
    let (previous, _) = new_refresh_token();
    let (successor, _) = new_refresh_token();
    let sealed = seal_successor(&successor, &previous).unwrap();
    assert_ne!(sealed, successor);
    assert_eq!(
        open_successor(&sealed, &previous).as_deref(),
        Some(successor.as_str())
    );
    let (other, _) = new_refresh_token();
    assert_ne!(
        open_successor(&sealed, &other).as_deref(),
        Some(successor.as_str())
    );
}

#[test]
fn issued_token_verifies_with_all_claims() {
    let t = tokens();
    let (token, exp) = issue_as(&t, Role::Admin, now());
    let c = t.verify(&token, now()).unwrap();
    assert_eq!(
        (c.sub.as_str(), c.sid.as_str(), c.role.as_str()),
        ("u1", "s1", "admin")
    );
    assert_eq!(c.exp, exp);
    assert_eq!(c.iss, "https://id.example");
    assert_eq!(c.aud, "gatehouse");
    assert!(!c.jti.is_empty());
}

#[test]
fn expired_token_is_reported_as_expired() {
    let t = tokens();
    let (token, _) = issue_as(&t, Role::User, now() - 1000);
    assert_eq!(t.verify(&token, now()), Err(TokenError::Expired));
}

#[test]
fn not_yet_valid_token_is_refused() {
    let t = tokens();
    let mut c = claims(&t, now());
    c.nbf = now() + 600;
    c.exp = now() + 900;
    let token = encode(&header(&t), &c, &t.key.encoding).unwrap();
    assert_eq!(t.verify(&token, now()), Err(TokenError::Invalid));
}

#[test]
fn tampered_payload_is_refused() {
    let t = tokens();
    let (token, _) = issue_as(&t, Role::User, now());
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = claims(&t, now());
    c.role = "admin".into();
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_eq!(t.verify(&forged, now()), Err(TokenError::Invalid));
}

#[test]
fn alg_none_is_refused() {
    let t = tokens();
    let c = claims(&t, now());
    let head = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"alg":"none","typ":"at+jwt","kid":"{}"}}"#,
        t.key.kid
    ));
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    assert_eq!(
        t.verify(&format!("{head}.{body}."), now()),
        Err(TokenError::Invalid)
    );
}

#[test]
fn hmac_signed_with_the_public_key_is_refused() {
    // Algorithm confusion: an attacker signs HS256 with the (public) key bytes.
    let t = tokens();
    let mut h = header(&t);
    h.alg = Algorithm::HS256;
    let key = EncodingKey::from_secret(t.key.public_x.as_bytes());
    let token = encode(&h, &claims(&t, now()), &key).unwrap();
    assert_eq!(t.verify(&token, now()), Err(TokenError::Invalid));
}

#[test]
fn wrong_audience_issuer_type_or_key_is_refused() {
    let t = tokens();
    let mut c = claims(&t, now());
    c.aud = "other-service".into();
    assert_eq!(
        t.verify(&encode(&header(&t), &c, &t.key.encoding).unwrap(), now()),
        Err(TokenError::Invalid)
    );

    let mut c = claims(&t, now());
    c.iss = "https://evil.example".into();
    assert_eq!(
        t.verify(&encode(&header(&t), &c, &t.key.encoding).unwrap(), now()),
        Err(TokenError::Invalid)
    );

    let mut h = header(&t);
    h.typ = Some("JWT".into());
    assert_eq!(
        t.verify(
            &encode(&h, &claims(&t, now()), &t.key.encoding).unwrap(),
            now()
        ),
        Err(TokenError::Invalid)
    );

    let other = tokens();
    let (token, _) = issue_as(&other, Role::User, now());
    assert_eq!(
        t.verify(&token, now()),
        Err(TokenError::Invalid),
        "token from another key"
    );
    assert_eq!(t.verify("garbage", now()), Err(TokenError::Invalid));
}

#[test]
fn refresh_tokens_are_random_and_hashed() {
    let (a, hash_a) = new_refresh_token();
    let (b, _) = new_refresh_token();
    assert_ne!(a, b);
    assert_eq!(a.len(), 43, "256 bits in base64url");
    assert_eq!(hash_a, hash_refresh_token(&a));
    assert_eq!(hash_a.len(), 64);
    assert_ne!(hash_a, a);
}

/// A token for user u1, session s1, signed by `t` at `at`.
fn issue_as(t: &AccessTokens, role: Role, at: i64) -> (String, i64) {
    t.issue(&"u1".into(), &"s1".into(), role, at).unwrap()
}
