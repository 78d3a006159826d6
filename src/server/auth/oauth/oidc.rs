//! OpenID Connect providers configured by their issuer (`kind = "oidc"`, `issuer = ...`):
//! endpoints and signing keys come from discovery, and the ID token's signature, issuer,
//! audience, expiry and nonce are verified (openidconnect) before anything it says is
//! believed. The profile then comes from the userinfo endpoint, whose subject must match.

use super::{OAuthError, ProviderProfile, provider, redirect_uri};
use crate::server::{error::Error, state::AppState};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient},
};

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn internal(e: impl std::fmt::Display) -> OAuthError {
    OAuthError::App(Error::Internal(anyhow::anyhow!("provider settings: {e}")))
}

async fn client(state: &AppState, name: &str) -> Result<Client, OAuthError> {
    let p = provider(state, name)?;
    let issuer = IssuerUrl::new(p.issuer.clone()).map_err(internal)?;
    let metadata = state
        .oidc
        .metadata(&state.http, name, issuer)
        .await
        .map_err(|e| OAuthError::Provider(format!("discovery: {e}")))?;
    let secret = state
        .settings
        .oauth_secrets
        .get(name)
        .cloned()
        .unwrap_or_default();
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri(state, name)).map_err(internal)?))
}

/// Where to send the browser, with the state and nonce to remember.
pub(super) async fn authorize_url(
    state: &AppState,
    name: &str,
    challenge: PkceCodeChallenge,
) -> Result<(String, CsrfToken, Nonce), OAuthError> {
    let p = provider(state, name)?;
    let (url, csrf, nonce) = client(state, name)
        .await?
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scopes(p.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    Ok((url.to_string(), csrf, nonce))
}

/// Trades the code for tokens, verifies the ID token against `nonce`, and reads the
/// profile from userinfo (or from the ID token when the provider has no userinfo).
pub(super) async fn profile(
    state: &AppState,
    name: &str,
    code: String,
    verifier: String,
    nonce: &str,
) -> Result<ProviderProfile, OAuthError> {
    let client = client(state, name).await?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(internal)?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&state.http)
        .await
        .map_err(|e| OAuthError::Provider(format!("token exchange: {e}")))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| OAuthError::Provider("no ID token in the token response".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_string()))
        .map_err(|e| OAuthError::Provider(format!("ID token refused: {e}")))?;
    let subject = claims.subject().clone();
    let from_id_token = ProviderProfile {
        subject: subject.as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        avatar_url: claims
            .picture()
            .and_then(|p| p.get(None))
            .map(|p| p.as_str().to_string()),
        login: claims.preferred_username().map(|u| u.as_str().to_string()),
    };
    let Ok(request) = client.user_info(token.access_token().clone(), Some(subject)) else {
        return Ok(from_id_token);
    };
    // Userinfo must name the same subject as the verified ID token (checked here).
    let info: openidconnect::core::CoreUserInfoClaims = request
        .request_async(&state.http)
        .await
        .map_err(|e| OAuthError::Provider(format!("userinfo: {e}")))?;
    // An address and whether it is verified come as a pair, from one document.
    let (email, email_verified) = match info.email() {
        Some(email) => (
            Some(email.as_str().to_string()),
            info.email_verified().unwrap_or(false),
        ),
        None => (from_id_token.email, from_id_token.email_verified),
    };
    Ok(ProviderProfile {
        email,
        email_verified,
        name: info
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string())
            .or(from_id_token.name),
        avatar_url: info
            .picture()
            .and_then(|p| p.get(None))
            .map(|p| p.as_str().to_string())
            .or(from_id_token.avatar_url),
        login: info
            .preferred_username()
            .map(|u| u.as_str().to_string())
            .or(from_id_token.login),
        subject: from_id_token.subject,
    })
}
