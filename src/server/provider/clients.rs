//! Registered client apps: made by an admin or the CLI, with a secret shown once and
//! stored as its SHA-256 (it is 256 random bits, so a slow hash would add nothing).

use super::{ErrorCode, ProtocolError};
use crate::server::{
    auth::{
        ClientInfo,
        audit::{self, Actor, AuditEvent},
        tokens::{hash_refresh_token as hash_secret, new_refresh_token as new_secret},
    },
    db::{self, provider::clients::ClientRow},
    error::{Error, Result},
    state::AppState,
};
use subtle::ConstantTimeEq;

/// What registering an app takes.
#[derive(Clone, Debug, Default)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Has a secret (a server-side app); otherwise public (browser or native), PKCE only.
    pub confidential: bool,
    /// Skips the consent page (an app of the same organisation).
    pub first_party: bool,
    /// May call the token endpoint for itself (client credentials); confidential only.
    pub client_credentials: bool,
    /// Gets a per-app `sub` instead of the user id.
    pub pairwise: bool,
    /// Signs its ID tokens with EdDSA instead of RS256.
    pub eddsa: bool,
}

/// A registered app, with its secret when it has one: shown this once.
#[derive(Debug)]
pub struct Registered {
    pub client: ClientRow,
    pub secret: Option<String>,
}

impl ClientRow {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }

    pub fn first_party(&self) -> bool {
        self.first_party != 0
    }

    pub fn allows_refresh(&self) -> bool {
        self.allow_refresh != 0
    }

    pub fn allows_client_credentials(&self) -> bool {
        self.allow_client_credentials != 0
    }

    pub fn redirect_uris(&self) -> impl Iterator<Item = &str> {
        self.redirect_uris.lines().filter(|l| !l.is_empty())
    }

    pub fn post_logout_redirect_uris(&self) -> impl Iterator<Item = &str> {
        self.post_logout_redirect_uris
            .lines()
            .filter(|l| !l.is_empty())
    }

    /// Exact string comparison, as OAuth 2.1 requires: no prefix, no normalising.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris().any(|r| r == uri)
    }

    pub fn pairwise(&self) -> bool {
        self.subject_type == "pairwise"
    }
}

/// A redirect URI an app may register: absolute, no fragment, https, or plain http only
/// to this machine (a developer's app, or a native app's loopback listener, RFC 8252).
pub fn check_redirect_uri(uri: &str) -> std::result::Result<String, String> {
    let uri = uri.trim();
    let parsed = url::Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URL"))?;
    if parsed.fragment().is_some() {
        return Err(format!(
            "{uri:?} has a fragment (#...), which redirect URIs may not"
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("{uri:?} carries a user name or password"));
    }
    let loopback = matches!(parsed.host(), Some(url::Host::Domain("localhost")))
        || matches!(parsed.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(parsed.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(uri.to_string()),
        "http" if loopback => Ok(uri.to_string()),
        "http" => Err(format!(
            "{uri:?} uses plain http; use https (plain http is allowed only to localhost)"
        )),
        other => Err(format!("{uri:?}: the {other} scheme is not allowed")),
    }
}

fn check_uris(uris: &[String], field: &str, needed: bool) -> Result<String> {
    let mut checked = Vec::new();
    for uri in uris.iter().filter(|u| !u.trim().is_empty()) {
        checked.push(check_redirect_uri(uri).map_err(|m| Error::field(field, m))?);
    }
    if needed && checked.is_empty() {
        return Err(Error::field(field, "Give at least one redirect URI."));
    }
    if checked.len() > 20 {
        return Err(Error::field(field, "At most 20 URIs."));
    }
    Ok(checked.join("\n"))
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(Error::field(
            "name",
            "Give the app a name of 1 to 80 characters, as people will see it.",
        ));
    }
    Ok(name.to_string())
}

/// Registers an app; its secret (for a confidential one) is in the answer only.
pub async fn register(
    state: &AppState,
    new: NewClient,
    by: Actor,
    actor_id: Option<&str>,
    client: &ClientInfo,
) -> Result<Registered> {
    let name = check_name(&new.name)?;
    let needs_redirect = !new.client_credentials || !new.redirect_uris.is_empty();
    let redirect_uris = check_uris(&new.redirect_uris, "redirect_uri", needs_redirect)?;
    let post_logout = check_uris(
        &new.post_logout_redirect_uris,
        "post_logout_redirect_uri",
        false,
    )?;
    if new.client_credentials && !new.confidential {
        return Err(Error::field(
            "client_credentials",
            "Only a confidential app (with a secret) can use client credentials.",
        ));
    }
    let (secret, secret_hash) = if new.confidential {
        let (secret, hash) = new_secret();
        (Some(secret), Some(hash))
    } else {
        (None, None)
    };
    let now = state.clock.unix();
    let row = ClientRow {
        id: db::new_id(),
        name,
        secret_hash,
        redirect_uris,
        post_logout_redirect_uris: post_logout,
        first_party: i64::from(new.first_party),
        subject_type: if new.pairwise { "pairwise" } else { "public" }.into(),
        id_token_alg: if new.eddsa { "EdDSA" } else { "RS256" }.into(),
        allow_refresh: 1,
        allow_client_credentials: i64::from(new.client_credentials),
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    db::provider::clients::insert(&state.db.pool, &row).await?;
    audit::record(
        &state.db.pool,
        AuditEvent::AppRegistered {
            client_id: row.id.clone(),
            name: row.name.clone(),
            by,
        },
        None,
        actor_id,
        client,
    )
    .await;
    Ok(Registered {
        client: row,
        secret,
    })
}

/// What an admin may change about an app.
#[derive(Clone, Debug, Default)]
pub struct ClientChange {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub first_party: Option<bool>,
    pub disabled: Option<bool>,
}

pub async fn update(
    state: &AppState,
    client_id: &str,
    change: ClientChange,
    actor_id: Option<&str>,
    client: &ClientInfo,
) -> Result<ClientRow> {
    let mut row = db::provider::clients::find(&state.db.pool, client_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut said = Vec::new();
    if let Some(name) = change.name {
        row.name = check_name(&name)?;
        said.push("renamed");
    }
    if let Some(uris) = change.redirect_uris {
        row.redirect_uris = check_uris(&uris, "redirect_uri", !row.allows_client_credentials())?;
        said.push("redirect URIs changed");
    }
    if let Some(uris) = change.post_logout_redirect_uris {
        row.post_logout_redirect_uris = check_uris(&uris, "post_logout_redirect_uri", false)?;
        said.push("post-logout URIs changed");
    }
    if let Some(first) = change.first_party {
        row.first_party = i64::from(first);
        said.push(if first {
            "marked first-party"
        } else {
            "marked third-party"
        });
    }
    let now = state.clock.unix();
    if let Some(disabled) = change.disabled {
        row.disabled_at = disabled.then(|| row.disabled_at.unwrap_or(now));
        said.push(if disabled { "disabled" } else { "enabled" });
    }
    row.updated_at = now;
    if !db::provider::clients::update(&state.db.pool, &row).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &state.db.pool,
        AuditEvent::AppChanged {
            client_id: row.id.clone(),
            change: said.join(", "),
        },
        None,
        actor_id,
        client,
    )
    .await;
    Ok(row)
}

pub async fn list(state: &AppState) -> Result<Vec<ClientRow>> {
    Ok(db::provider::clients::list(&state.db.pool).await?)
}

/// An enabled app by its id.
pub async fn find_active(state: &AppState, client_id: &str) -> super::Result<Option<ClientRow>> {
    Ok(db::provider::clients::find(&state.db.pool, client_id)
        .await?
        .filter(ClientRow::is_active))
}

/// How a client proved who it is at the token endpoint.
#[derive(Clone, Debug, Default)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub secret: Option<String>,
}

/// The app calling a back-channel endpoint: a confidential one must show its secret
/// (HTTP Basic or form); a public one only names itself.
pub async fn authenticate(
    state: &AppState,
    credentials: &ClientCredentials,
) -> super::Result<ClientRow> {
    let invalid = || ProtocolError::new(ErrorCode::InvalidClient, "Client authentication failed.");
    let id = credentials.client_id.as_deref().ok_or_else(invalid)?;
    let client = find_active(state, id).await?.ok_or_else(invalid)?;
    match (&client.secret_hash, &credentials.secret) {
        (None, None) => Ok(client),
        (Some(stored), Some(given)) => {
            let given = hash_secret(given);
            if bool::from(stored.as_bytes().ct_eq(given.as_bytes())) {
                Ok(client)
            } else {
                Err(invalid())
            }
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_https_or_loopback() {
        assert!(check_redirect_uri("https://app.example/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]:9/cb").is_ok());
        assert!(check_redirect_uri("http://app.example/cb").is_err());
        assert!(check_redirect_uri("https://app.example/cb#x").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert!(check_redirect_uri("/relative").is_err());
        assert!(check_redirect_uri("https://u:p@app.example/cb").is_err());
    }
}
