//! What OpenID Connect providers publish about themselves (endpoints, signing keys),
//! read from `{issuer}/.well-known/openid-configuration` and kept a while. Holds no app
//! state, so the app state can hold it.

use openidconnect::{IssuerUrl, core::CoreProviderMetadata};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long discovered metadata (and the provider's keys) is trusted before it is read
/// again: keys rotate, and a restart should not be the only way to see it.
const METADATA_TTL: Duration = Duration::from_secs(600);

/// Discovered provider metadata, by provider name.
#[derive(Default)]
pub struct Discovery {
    cache: Mutex<HashMap<String, (CoreProviderMetadata, Instant)>>,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Discovery")
    }
}

impl Discovery {
    /// The provider's metadata (endpoints, keys), from the cache or read afresh.
    pub async fn metadata(
        &self,
        http: &reqwest::Client,
        name: &str,
        issuer: IssuerUrl,
    ) -> Result<CoreProviderMetadata, String> {
        if let Some((metadata, at)) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let metadata = CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| e.to_string())?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), (metadata.clone(), Instant::now()));
        Ok(metadata)
    }
}
