//! People's consent to apps: asked the first time a third-party app wants scopes it
//! was not given before; withdrawn from the profile, which also ends the app's tokens.

use super::has_scope;
use crate::server::{
    auth::{
        ClientInfo,
        audit::{self, AuditEvent},
    },
    db::{self, provider::clients::ClientRow, provider::consents::ConsentRow},
    error::Result,
    state::AppState,
};

/// Whether the person must be asked: never for a first-party app; otherwise unless an
/// earlier consent covers every scope asked for.
pub async fn needed(
    state: &AppState,
    client: &ClientRow,
    user_id: &str,
    scope: &str,
) -> super::Result<bool> {
    if client.first_party() {
        return Ok(false);
    }
    let given = db::provider::consents::scope(&state.db.pool, user_id, &client.id).await?;
    Ok(match given {
        None => true,
        Some(given) => scope
            .split_ascii_whitespace()
            .any(|s| !has_scope(&given, s)),
    })
}

/// Records the person's yes (adding to what they allowed before).
pub async fn allow(
    state: &AppState,
    client_id: &str,
    user_id: &str,
    scope: &str,
    client: &ClientInfo,
) -> Result<()> {
    let before = db::provider::consents::scope(&state.db.pool, user_id, client_id)
        .await?
        .unwrap_or_default();
    let merged = super::known_scopes(&format!("{before} {scope}")).join(" ");
    db::provider::consents::put(
        &state.db.pool,
        user_id,
        client_id,
        &merged,
        state.clock.unix(),
    )
    .await?;
    audit::record(
        &state.db.pool,
        AuditEvent::AppAuthorized {
            client_id: client_id.into(),
            scope: scope.into(),
        },
        Some(user_id),
        Some(user_id),
        client,
    )
    .await;
    Ok(())
}

/// The apps this person has allowed.
pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<ConsentRow>> {
    Ok(db::provider::consents::for_user(&state.db.pool, user_id).await?)
}

/// Withdraws an app's access: the consent and every grant (refresh tokens, and with
/// them the access tokens userinfo and introspection check) end together.
pub async fn revoke(
    state: &AppState,
    user_id: &str,
    client_id: &str,
    client: &ClientInfo,
) -> Result<u64> {
    let now = state.clock.unix();
    let mut tx = state.db.begin().await?;
    db::provider::consents::delete(&mut *tx, user_id, client_id).await?;
    let ended = db::provider::grants::revoke_for_client(
        &mut *tx,
        user_id,
        client_id,
        "consent_withdrawn",
        now,
    )
    .await?;
    tx.commit().await?;
    audit::record(
        &state.db.pool,
        AuditEvent::AppAccessRevoked {
            client_id: client_id.into(),
            grants_revoked: ended,
        },
        Some(user_id),
        Some(user_id),
        client,
    )
    .await;
    Ok(ended)
}
