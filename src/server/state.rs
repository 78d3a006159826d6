//! `AppState`: what every request handler, page and server function can reach.

use crate::server::clock::seconds;
use crate::server::{
    auth::{passwords::PasswordHasher, tokens::AccessTokens},
    config::Settings,
    db::Db,
    http::cookies::CookieNames,
    keys,
    mail::{self, Mailer},
};
use anyhow::Context;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Cloned by every middleware layer and handler of every request: one reference count,
/// however much it holds (cloning the fields one by one was a tenth of a cached
/// request's CPU time).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub leptos: LeptosOptions,
    pub settings: Arc<Settings>,
    pub db: Db,
    pub hasher: PasswordHasher,
    pub throttle: Arc<crate::server::auth::throttle::Throttle>,
    pub access_tokens: Arc<AccessTokens>,
    /// Verified tokens and live sessions, so most requests skip both (see its module).
    pub auth_cache: Arc<crate::server::auth::sessions::cache::AuthCache>,
    pub cookies: Arc<CookieNames>,
    pub mailer: Arc<Mailer>,
    /// For calls to sign-in providers. Never follows redirects (OAuth 2.0 security BCP).
    pub http: reqwest::Client,
    /// OpenID Connect providers' discovered metadata and keys.
    pub oidc: Arc<crate::server::auth::oauth::discovery::Discovery>,
    /// Seals authenticator-app secrets at rest.
    pub sealing: crate::server::sealing::SealingKey,
    /// The time the flows go by (tests move it; see [`crate::server::clock`]).
    pub clock: crate::server::clock::Clock,
    /// The passkey relying party; `None` when `public_url` cannot have passkeys.
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// The background workers of this instance (see [`AppState::spawn_workers`]).
    pub workers: crate::server::workers::Workers,
    /// Shared state of a fleet, when `[redis] url` is set.
    pub redis: Option<crate::server::fleet::redis::RedisLink>,
    /// Tells this instance's messages to the others apart from theirs.
    pub instance_id: String,
    /// Set on SIGTERM: `/readyz` answers 503 so load balancers stop sending traffic.
    pub draining: std::sync::atomic::AtomicBool,
    /// The OpenID Provider's signing keys (read or made on first use).
    pub provider: Arc<crate::server::provider::Provider>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// Connects to the database, applies migrations and loads the signing key.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let mut phase = crate::server::startup::Phases::start();
        crate::server::create_private_dir(&settings.server.data_dir)
            .with_context(|| format!("creating {}", settings.server.data_dir.display()))?;
        let keys = keys::load_ring(
            settings.is_production(),
            &settings.server.data_dir,
            seconds(settings.tokens.access_ttl) + keys::ROTATION_SKEW_SECONDS,
        )?;
        let sealing = crate::server::sealing::SealingKey::load(
            settings.is_production(),
            &settings.server.data_dir,
        )?;
        phase.done("keys");
        let db = Db::connect(&settings.database.url, settings.database.max_connections).await?;
        phase.done("database connection");
        db.migrate().await?;
        phase.done("migrations");
        let hasher =
            PasswordHasher::new(&settings.passwords).context("setting up password hashing")?;
        phase.done("password hashing");
        let access_tokens = AccessTokens::new(
            keys.current,
            settings.tokens.issuer.clone(),
            settings.tokens.audience.clone(),
            settings.tokens.access_ttl,
        )
        .with_retired(keys.retired);
        let settings = Arc::new(settings);
        let clock = crate::server::clock::Clock::default();
        let webauthn = crate::server::auth::passkeys::relying_party(&settings).map(Arc::new);
        let redis = match settings.redis.url.as_str() {
            "" => None,
            url => Some(crate::server::fleet::redis::RedisLink::open(
                url,
                settings.redis.prefix(),
            )?),
        };
        // A bad ID-token key (current or retired) stops start-up at once, not at an
        // app's first sign-in.
        if settings.is_production() {
            use crate::server::provider::{RETIRED_KEY_SECONDS, keys};
            let env = keys::EnvKeys::read();
            if env.current.is_some() {
                keys::load(&env, true, &settings.server.data_dir, RETIRED_KEY_SECONDS)?;
            } else {
                tracing::info!(
                    "apps cannot sign in through Gatehouse until {} is set",
                    keys::PRIVATE_KEY_ENV
                );
            }
        }
        let provider = Arc::new(crate::server::provider::Provider::new(
            settings.is_production(),
            settings.server.data_dir.clone(),
        ));
        let state = Self(Arc::new(Shared {
            leptos: leptos_options(&settings)?,
            cookies: Arc::new(CookieNames::new(&settings)),
            throttle: Arc::new(
                crate::server::auth::throttle::Throttle::new(&settings.accounts, clock.clone())
                    .with_shared(redis.clone()),
            ),
            mailer: Arc::new(Mailer::new(settings.clone()).context("setting up mail")?),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(15))
                .user_agent("Gatehouse")
                .build()
                .context("building the HTTP client")?,
            settings,
            db,
            hasher,
            access_tokens: Arc::new(access_tokens),
            auth_cache: Default::default(),
            clock,
            sealing,
            oidc: Default::default(),
            webauthn,
            workers: Default::default(),
            redis,
            instance_id: uuid::Uuid::new_v4().simple().to_string(),
            draining: Default::default(),
            provider,
        }));
        phase.done("mail, HTTP client, passkeys");
        Ok(state)
    }
}

impl AppState {
    /// Starts the background work of a serving instance, supervised (restarted after a
    /// panic, stopped by `workers.shutdown()`): the mail worker and the hourly purge.
    pub fn spawn_workers(&self) {
        let site = std::path::PathBuf::from(self.leptos.site_root.as_ref());
        if let Err(e) = crate::server::assets::drop_stale(&site) {
            tracing::warn!(error = %e, "removing outdated compressed assets");
        }
        // Off the path to ready: until it is done, assets are compressed per response.
        tokio::task::spawn_blocking(move || match crate::server::assets::precompress(&site) {
            Ok(0) => {}
            Ok(n) => tracing::debug!(files = n, "pre-compressed site assets"),
            Err(e) => tracing::warn!(error = %e, "pre-compressing site assets"),
        });
        if crate::server::fleet::invalidation::needed(self) {
            let queue = crate::server::fleet::invalidation::attach(self);
            let queue = Arc::new(tokio::sync::Mutex::new(queue));
            let state = self.clone();
            self.workers.supervise("invalidation publisher", move || {
                let (state, queue) = (state.clone(), queue.clone());
                async move {
                    // A publisher restarted after a panic goes on with the same queue.
                    let mut queue = queue.lock().await;
                    crate::server::fleet::invalidation::publish(state, &mut queue).await;
                }
            });
            let state = self.clone();
            self.workers.supervise("invalidation listener", move || {
                crate::server::fleet::invalidation::subscribe(state.clone())
            });
        }
        let (mailer, db) = (self.mailer.clone(), self.db.clone());
        self.workers.supervise_graceful("mail", move |stop| {
            mail::worker::run(mailer.clone(), db.clone(), stop)
        });
        let state = self.clone();
        self.workers
            .supervise_graceful("daily counts", move |stop| {
                crate::server::auth::overview::keep_counts(state.clone(), stop)
            });
        let state = self.clone();
        self.workers.supervise("purge", move || {
            let state = state.clone();
            async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
                loop {
                    tick.tick().await;
                    match crate::server::auth::maintenance::purge(&state).await {
                        Ok(purged) => tracing::debug!(?purged, "purged expired rows"),
                        Err(e) => tracing::warn!(error = ?e, "purging expired rows"),
                    }
                }
            }
        });
    }
}

/// The Leptos options come from our settings; cargo-leptos's variables (set by
/// `cargo leptos serve/watch`) say where it put the built site.
fn leptos_options(settings: &Settings) -> anyhow::Result<LeptosOptions> {
    // Leptos' own reading of the LEPTOS_* variables cargo-leptos sets (output name, hashed
    // file names, reload port, ...), when it built us or runs us; plain `cargo` builds
    // (tests) get the same defaults by hand, without Leptos' warning about the variables.
    let set_by_cargo_leptos = option_env!("LEPTOS_OUTPUT_NAME").is_some()
        || std::env::var_os("LEPTOS_OUTPUT_NAME").is_some();
    let mut options = if set_by_cargo_leptos {
        leptos::config::get_configuration(None)
            .context("reading the LEPTOS_* variables")?
            .leptos_options
    } else {
        LeptosOptions::builder().output_name("gatehouse").build()
    };
    // Our settings file says where the built site is unless cargo-leptos says otherwise.
    if std::env::var_os("LEPTOS_SITE_ROOT").is_none() {
        options.site_root = settings.server.site_root.display().to_string().into();
    }
    options.site_addr = settings.server.address;
    options.env = if settings.is_production() {
        leptos::config::Env::PROD
    } else {
        leptos::config::Env::DEV
    };
    Ok(options)
}
