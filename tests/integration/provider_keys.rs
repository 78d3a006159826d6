//! Rotating the RSA key that signs ID tokens and app access tokens: after `gatehouse
//! rotate-key` and a restart the new key signs, while the tokens the old one signed keep
//! verifying (through the JWKS for apps, at userinfo and introspection here) until the
//! retired key's time is up.

use crate::common::spawn;
use crate::provider::{
    AFTER_LOGOUT, backchannel, code_for, exchange, introspect, person, pkce, register, userinfo,
    verify_id_token,
};
use axum::http::StatusCode;
use gatehouse::server::{
    db::Backend,
    provider::{RETIRED_KEY_SECONDS, keys},
};
use std::time::Duration;

on_both_backends!(a_rotated_id_token_key_keeps_verifying_what_it_signed);

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn published(jwks: &serde_json::Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

async fn a_rotated_id_token_key_keeps_verifying_what_it_signed(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "rita").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let (verifier, challenge) = pkce();
    let code = code_for(&app, &client, "openid offline_access", Some(&challenge)).await;
    let tokens = exchange(&app, &client, &code, Some(&verifier)).await.json();
    let (id_token, access) = (
        tokens["id_token"].as_str().unwrap(),
        tokens["access_token"].as_str().unwrap(),
    );
    let old = kid(id_token);

    let data_dir = app.state.settings.server.data_dir.clone();
    let (retired, new) = keys::rotate(&data_dir, RETIRED_KEY_SECONDS)
        .unwrap()
        .expect("a key on disk to rotate");
    assert_eq!(retired, old);
    // The restarted server (another process on the same data folder).
    let restarted = app.another_instance(|_| {}).await;
    let jwks = restarted.get("/.well-known/jwks.json").await.json();
    let kids = published(&jwks);
    assert!(kids.contains(&new) && kids.contains(&old), "{kids:?}");

    // What the old key signed still verifies: the ID token with the published keys, the
    // access token at userinfo and introspection.
    verify_id_token(&restarted, id_token, &client.client.id).await;
    assert_eq!(userinfo(&restarted, access).await.status, StatusCode::OK);
    assert_eq!(
        introspect(&restarted, &client, access).await["active"],
        true
    );
    // What it signs now carries the new key.
    let res = backchannel(
        &restarted,
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
        Some((&client.client.id, client.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let fresh = res.json();
    assert_eq!(kid(fresh["id_token"].as_str().unwrap()), new);
    assert_eq!(kid(fresh["access_token"].as_str().unwrap()), new);
    verify_id_token(
        &restarted,
        fresh["id_token"].as_str().unwrap(),
        &client.client.id,
    )
    .await;

    // An old ID token is still read as a logout hint (apps keep it for that).
    let logout = format!(
        "/oauth2/logout?post_logout_redirect_uri={}&id_token_hint={id_token}",
        url::form_urlencoded::byte_serialize(AFTER_LOGOUT.as_bytes()).collect::<String>()
    );
    restarted
        .get(&logout)
        .await
        .assert_redirect_to(AFTER_LOGOUT);

    // Past an ID token's lifetime (plus the skew) the retired key is gone: no longer
    // published, and what it signed is no longer read, even a hint whose expiry is not
    // checked.
    restarted
        .state
        .clock
        .advance(Duration::from_secs(RETIRED_KEY_SECONDS as u64 + 1));
    let kids = published(&restarted.get("/.well-known/jwks.json").await.json());
    assert_eq!(kids.iter().filter(|k| k.starts_with("rsa-")).count(), 1);
    assert!(!kids.contains(&old), "{kids:?}");
    assert_eq!(restarted.get(&logout).await.status, StatusCode::BAD_REQUEST);
}
