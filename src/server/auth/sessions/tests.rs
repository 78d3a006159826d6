//! Sessions: concurrent refreshes, idle and absolute expiry, revocation.

use super::*;
use crate::server::{config::Settings, db::users::NewUser};
use std::time::Duration;

async fn state_with(tweak: impl FnOnce(&mut Settings)) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.server.data_dir = dir.path().to_path_buf();
    tweak(&mut settings);
    let state = AppState::build(settings.finish().unwrap()).await.unwrap();
    (state, dir)
}

async fn user(state: &AppState) -> UserRow {
    let new = NewUser {
        username: "rita",
        email: "rita@example.com",
        password_hash: None,
        display_name: None,
        role: crate::domain::Role::User,
        email_verified_at: None,
    };
    db::users::insert(&state.db.pool, new, state.clock.unix())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_refreshes_of_one_token_rotate_it_once_and_both_succeed() {
    let (state, _dir) = state_with(|_| {}).await;
    let client = ClientInfo::default();
    let started = start(&state, &user(&state).await, &client, "pwd")
        .await
        .unwrap();
    let token = started.refresh_token.unwrap();
    let (a, b) = tokio::join!(
        refresh(&state, &token, &client),
        refresh(&state, &token, &client)
    );
    let (a, b) = (a.unwrap().0, b.unwrap().0);
    let rotated = [&a, &b]
        .iter()
        .filter(|t| t.refresh_token.is_some())
        .count();
    assert_eq!(rotated, 2, "both requests get a refresh token");
    assert_eq!(a.refresh_token, b.refresh_token, "the same successor");
    assert_eq!(a.session_id, b.session_id);
}

#[tokio::test]
async fn an_idle_session_expires_and_cannot_be_refreshed() {
    let (state, _dir) = state_with(|s| {
        s.tokens.access_ttl = Duration::from_secs(1);
        s.tokens.refresh_ttl = Duration::from_secs(1);
        s.tokens.session_max_age = Duration::from_secs(1);
    })
    .await;
    let client = ClientInfo::default();
    let started = start(&state, &user(&state).await, &client, "pwd")
        .await
        .unwrap();
    state.clock.advance(Duration::from_secs(2));
    let refused = refresh(&state, started.refresh_token.as_deref().unwrap(), &client).await;
    assert!(matches!(refused, Err(Error::Unauthorized)));
    assert!(
        authenticate(&state, &started.access_token).await.is_err(),
        "its access token is dead too"
    );
}

#[tokio::test]
async fn refreshing_never_extends_a_session_past_its_maximum_age() {
    let (state, _dir) = state_with(|s| {
        s.tokens.refresh_ttl = Duration::from_secs(3600);
        s.tokens.session_max_age = Duration::from_secs(3600);
    })
    .await;
    let client = ClientInfo::default();
    let started = start(&state, &user(&state).await, &client, "pwd")
        .await
        .unwrap();
    let session = db::sessions::find_by_id(&state.db.pool, &started.session_id)
        .await
        .unwrap()
        .unwrap();
    let (rotated, _) = refresh(&state, started.refresh_token.as_deref().unwrap(), &client)
        .await
        .unwrap();
    assert!(rotated.refresh_expires_at <= session.created_at + 3600);
}

#[tokio::test]
async fn a_revoked_session_refuses_its_access_and_refresh_tokens() {
    let (state, _dir) = state_with(|_| {}).await;
    let client = ClientInfo::default();
    let started = start(&state, &user(&state).await, &client, "pwd")
        .await
        .unwrap();
    let auth = authenticate(&state, &started.access_token).await.unwrap();
    logout(&state, &auth, &client).await.unwrap();
    assert!(matches!(
        authenticate(&state, &started.access_token)
            .await
            .unwrap_err(),
        AccessRefused::Revoked
    ));
    let refused = refresh(&state, started.refresh_token.as_deref().unwrap(), &client).await;
    assert!(matches!(refused, Err(Error::Unauthorized)));
}
