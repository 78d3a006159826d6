//! Sign-in with Google, GitHub or any OpenID Connect / OAuth 2.0 provider: the
//! authorization code flow with PKCE (S256) and a `state` value, and careful account
//! linking: a provider-verified address is linked only to an account whose own address
//! is verified; an unverified account is never taken over.
//!
//! `linking` decides which account a provider identity belongs to (and connects or
//! disconnects one); `profile` reads what the provider says about the person.

use super::audit::{AuditEvent, LoginMethod};
use super::factors::pending::{LoginOutcome, SecondStep};
use crate::domain::{SessionId, UserId};
pub mod discovery;
mod linking;
mod oidc;
mod profile;

#[cfg(test)]
use linking::username_candidates;
pub use linking::{confirm_link, linked, unlink};
#[cfg(test)]
use profile::{github_primary_email, profile_from_json};

use linking::{Linking, account_for_new_identity, link};
use profile::fetch_profile;

use super::{
    ClientInfo, audit,
    sessions::{self, Authenticated, IssuedTokens},
};
use crate::{
    server::{
        config::{OAuthProviderSettings, ProviderKind},
        db::{
            self,
            identities::LinkError,
            users::{InsertError, NewUser, Taken, UserRow},
        },
        error::Error,
        state::AppState,
    },
    validate,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl, basic::BasicClient,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the browser's session remembers between leaving for the provider and coming
/// back. Holds the PKCE verifier, so it stays server-side (tower-sessions store).
#[derive(Clone, Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    pub state: String,
    pub pkce_verifier: String,
    pub next: Option<String>,
    /// Set when a logged-in user is connecting a provider to their account.
    pub link_user_id: Option<UserId>,
    /// The session that proved itself (password or a fresh login) to start the link: the
    /// callback must come back on that same session.
    #[serde(default)]
    pub link_session_id: Option<SessionId>,
    /// OpenID Connect providers: the nonce the ID token must carry.
    #[serde(default)]
    pub nonce: Option<String>,
    pub started_at: i64,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("provider", &self.provider)
            .field("linking", &self.link_user_id.is_some())
            .finish_non_exhaustive()
    }
}

/// How long a started sign-in may take.
const PENDING_TTL_SECONDS: i64 = 600;

/// What the provider says about the person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderProfile {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub login: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("provider not configured")]
    UnknownProvider,
    #[error("state missing or not matching")]
    StateMismatch,
    #[error("consent denied")]
    Denied,
    #[error("provider failed: {0}")]
    Provider(String),
    #[error("no verified email")]
    EmailMissing,
    /// An account with this address exists but cannot be linked automatically.
    #[error("log in with the password to link")]
    NeedsPasswordLogin,
    #[error("provider account linked to someone else")]
    LinkedElsewhere,
    #[error("linking needs the same login")]
    LinkSessionLost,
    /// Connecting a provider is a sensitive change: confirm the password (or log in again).
    #[error("recent authentication required")]
    ReauthRequired { has_password: bool },
    #[error(transparent)]
    App(#[from] Error),
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        Self::App(Error::Database(e))
    }
}

impl OAuthError {
    /// The sentence shown on the page the browser lands on.
    pub fn message(&self, provider: &str) -> String {
        match self {
            Self::UnknownProvider => "That sign-in provider is not configured here.".into(),
            Self::StateMismatch => {
                "Your sign-in attempt expired or did not match. Please try again.".into()
            }
            Self::Denied => {
                format!("You cancelled the sign-in at {provider}. Nothing was changed.")
            }
            Self::Provider(_) => {
                format!("{provider} could not complete the sign-in. Please try again in a moment.")
            }
            Self::EmailMissing => format!(
                "Your {provider} account did not share a verified email address. Verify one at {provider}, or sign up with a password."
            ),
            Self::NeedsPasswordLogin => format!(
                "An account with this email address already exists. Log in with your password, then connect {provider} from your profile."
            ),
            Self::LinkedElsewhere => {
                format!("This {provider} account is already connected to another account.")
            }
            Self::LinkSessionLost => {
                format!("Please log in again, then connect {provider} from your profile.")
            }
            Self::ReauthRequired { has_password: true } => {
                format!("To connect {provider}, enter your current password. Nothing was changed.")
            }
            Self::ReauthRequired {
                has_password: false,
            } => format!(
                "For your safety, log out and log in again, then connect {provider} within 10 minutes."
            ),
            Self::App(Error::AccountDeactivated) => {
                crate::errors::AppError::AccountDeactivated.to_string()
            }
            Self::App(Error::TooManyRequests) => {
                crate::errors::AppError::TooManyRequests.to_string()
            }
            Self::App(Error::Database(e)) if crate::server::error::is_unavailable(e) => {
                crate::errors::AppError::Unavailable.to_string()
            }
            Self::App(_) => crate::errors::AppError::Internal.to_string(),
        }
    }
}

/// The outcome of a completed callback.
pub enum Completion {
    LoggedIn {
        tokens: Box<IssuedTokens>,
        next: Option<String>,
    },
    /// The account has a second factor: the login continues at `/login/verify`.
    SecondFactor {
        step: SecondStep,
        next: Option<String>,
    },
    Linked,
    AlreadyLinked,
}

pub fn provider<'a>(
    state: &'a AppState,
    name: &str,
) -> Result<&'a OAuthProviderSettings, OAuthError> {
    state
        .settings
        .oauth
        .get(name)
        .ok_or(OAuthError::UnknownProvider)
}

/// A provider's name for people ("GitHub"), or its configured key when unknown.
pub fn display_name(state: &AppState, name: &str) -> String {
    state
        .settings
        .oauth
        .get(name)
        .map(|p| p.display_name.clone())
        .unwrap_or_else(|| name.to_string())
}

fn redirect_uri(state: &AppState, name: &str) -> String {
    format!(
        "{}/auth/oauth/{name}/callback",
        state.settings.server.public_url
    )
}

type Client = BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(state: &AppState, name: &str) -> Result<Client, OAuthError> {
    let p = provider(state, name)?;
    let bad = |e: oauth2::url::ParseError| {
        OAuthError::App(Error::Internal(anyhow::anyhow!("provider URL: {e}")))
    };
    let secret = state
        .settings
        .oauth_secrets
        .get(name)
        .cloned()
        .unwrap_or_default();
    Ok(BasicClient::new(ClientId::new(p.client_id.clone()))
        .set_client_secret(ClientSecret::new(secret))
        .set_auth_uri(AuthUrl::new(p.authorize_url.clone()).map_err(bad)?)
        .set_token_uri(TokenUrl::new(p.token_url.clone()).map_err(bad)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri(state, name)).map_err(bad)?))
}

/// Starts a sign-in (or, with `link_user_id`, connecting a provider to an account):
/// returns the provider URL to send the browser to, and what to remember.
pub async fn begin(
    state: &AppState,
    name: &str,
    next: Option<String>,
    link: Option<&Authenticated>,
) -> Result<(String, Pending), OAuthError> {
    let p = provider(state, name)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = if p.discovers() {
        let (url, csrf, nonce) = oidc::authorize_url(state, name, challenge).await?;
        (url, csrf, Some(nonce.secret().clone()))
    } else {
        let (url, csrf) = client(state, name)?
            .authorize_url(CsrfToken::new_random)
            .add_scopes(p.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        (url.to_string(), csrf, None)
    };
    let pending = Pending {
        provider: name.to_string(),
        state: csrf.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        next: validate::safe_next(next.as_deref()),
        link_user_id: link.map(|a| a.user.id.clone()),
        link_session_id: link.map(|a| a.session_id.clone()),
        nonce,
        started_at: state.clock.unix(),
    };
    Ok((url, pending))
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Completes a sign-in or link from the provider's callback.
pub async fn complete(
    state: &AppState,
    name: &str,
    pending: Option<Pending>,
    callback: Callback,
    current: Option<&Authenticated>,
    client_info: &ClientInfo,
) -> Result<Completion, OAuthError> {
    provider(state, name)?;
    let pending = match pending {
        Some(p)
            if p.provider == name
                && callback
                    .state
                    .as_deref()
                    .is_some_and(|s| constant_time_eq(s, &p.state))
                && state.clock.unix() - p.started_at <= PENDING_TTL_SECONDS =>
        {
            p
        }
        _ => {
            // Someone arrived without the state we handed out: a forged or replayed callback.
            audit::record(
                &state.db.pool,
                AuditEvent::OauthStateMismatch {
                    provider: name.to_string(),
                },
                current.map(|a| a.user.id.as_str()),
                None,
                client_info,
            )
            .await;
            return Err(OAuthError::StateMismatch);
        }
    };
    if let Some(error) = callback.error {
        return Err(if error == "access_denied" {
            OAuthError::Denied
        } else {
            OAuthError::Provider(error)
        });
    }
    let code = callback
        .code
        .ok_or_else(|| OAuthError::Provider("no code".into()))?;
    let verifier = pending.pkce_verifier.clone();
    let profile = if provider(state, name)?.discovers() {
        // A flow started before this provider was configured by issuer has no nonce.
        let nonce = pending.nonce.as_deref().ok_or(OAuthError::StateMismatch)?;
        oidc::profile(state, name, code, verifier, nonce).await?
    } else {
        let token = client(state, name)?
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&state.http)
            .await
            .map_err(|e| OAuthError::Provider(format!("token exchange: {e}")))?;
        fetch_profile(state, name, token.access_token().secret()).await?
    };

    if let Some(user_id) = &pending.link_user_id {
        // The same account, on the very session that re-authenticated to start this.
        let Some(current) = current.filter(|a| {
            &a.user.id == user_id && pending.link_session_id.as_ref() == Some(&a.session_id)
        }) else {
            return Err(OAuthError::LinkSessionLost);
        };
        return link(
            state,
            &current.user,
            name,
            &profile,
            client_info,
            Linking::ByOwner,
        )
        .await;
    }
    let user = match db::identities::find(&state.db.pool, name, &profile.subject).await? {
        Some(identity) => db::users::find_by_id(&state.db.pool, &identity.user_id)
            .await?
            .ok_or(OAuthError::Provider("identity without user".into()))?,
        None => match account_for_new_identity(state, name, &profile, client_info).await? {
            Some(user) => user,
            None => return Err(OAuthError::NeedsPasswordLogin),
        },
    };
    if !user.is_active() {
        return Err(OAuthError::App(Error::AccountDeactivated));
    }
    let method = LoginMethod::Provider(name.to_string());
    let tokens =
        match super::factors::pending::after_first_factor(state, &user, client_info, method).await?
        {
            LoginOutcome::Session(tokens) => tokens,
            LoginOutcome::SecondFactor(step) => {
                return Ok(Completion::SecondFactor {
                    step,
                    next: pending.next,
                });
            }
        };
    // This browser's previous session is being replaced: end it, as a password login does.
    if let Some(replaced) = current.filter(|a| a.session_id != tokens.session_id) {
        sessions::logout(state, replaced, client_info).await?;
    }
    Ok(Completion::LoggedIn {
        tokens: Box::new(tokens),
        next: pending.next,
    })
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests;
