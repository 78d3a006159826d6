//! Mail: messages rendered from templates (HTML + plain text), written to the durable
//! outbox in the same transaction as the change that caused them, and delivered by a
//! background worker over SMTP (or into `data/outbox/` in development), with retries.

mod templates;
pub(crate) mod transport;
pub mod worker;

use crate::server::{
    config::Settings,
    db::{self, Exec, outbox::NewMessage},
};
use std::sync::Arc;
use tokio::sync::Notify;
use transport::Transport;

/// The messages Gatehouse sends.
pub enum Email<'a> {
    VerifyEmail {
        name: &'a str,
        email: &'a str,
        link: String,
    },
    ResetPassword {
        name: &'a str,
        link: String,
    },
    PasswordChanged {
        name: &'a str,
        by_reset: bool,
        /// Sign-in providers still connected, so an owner can spot one they never added.
        providers: Vec<String>,
    },
    ConfirmNewEmail {
        name: &'a str,
        new_email: &'a str,
        link: String,
    },
    EmailChangeRequested {
        name: &'a str,
        new_email: &'a str,
        /// One click, no login: cancels the pending change.
        cancel_link: String,
    },
    /// A sign-in provider was connected (`connected`, perhaps `automatic`ally at a first
    /// sign-in) or disconnected.
    ProviderChanged {
        name: &'a str,
        provider: &'a str,
        connected: bool,
        automatic: bool,
    },
    /// Someone tried to sign up with an address that has an account (signup does not
    /// say so on the page).
    SignupAttempted {
        name: &'a str,
    },
    /// A passwordless sign-in link (`accounts.sign_in_links`).
    SignInLink {
        name: &'a str,
        link: String,
    },
    /// A passkey was added to the account (`added`) or removed from it.
    PasskeyChanged {
        name: &'a str,
        passkey: &'a str,
        added: bool,
    },
    /// A second factor was added, removed or used in a way the owner should know of.
    FactorChanged {
        name: &'a str,
        change: FactorChange,
    },
}

/// What happened to an account's second factors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactorChange {
    TotpEnabled,
    TotpRemoved,
    RecoveryCodesRegenerated,
    RecoveryCodeUsed {
        left: i64,
    },
    /// An admin removed every second factor.
    FactorsReset,
}

impl FactorChange {
    /// The subject line, without the product name.
    fn subject(self) -> &'static str {
        match self {
            Self::TotpEnabled => "An authenticator app was set up for your account",
            Self::TotpRemoved => "The authenticator app was removed from your account",
            Self::RecoveryCodesRegenerated => "New recovery codes were created for your account",
            Self::RecoveryCodeUsed { .. } => "A recovery code was used to sign in to your account",
            Self::FactorsReset => "An administrator reset your account's second factors",
        }
    }

    /// The message's one sentence about it.
    fn sentence(self) -> String {
        match self {
            Self::TotpEnabled => "An authenticator app was set up as a second factor for your account. Signing in now asks for one of its codes.".into(),
            Self::TotpRemoved => "The authenticator app was removed from your account. Its codes no longer work.".into(),
            Self::RecoveryCodesRegenerated => "New recovery codes were created for your account. The old ones no longer work.".into(),
            Self::RecoveryCodeUsed { left } => format!("A recovery code was used to sign in to your account. You have {left} left; create new ones on your profile when they run low."),
            Self::FactorsReset => "An administrator removed every second factor from your account (authenticator app, passkeys and recovery codes). Set them up again on your profile.".into(),
        }
    }
}

/// A rendered message.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Mailer {
    pub transport: Transport,
    templates: templates::Templates,
    /// Wakes the worker when a message is queued.
    wake: Notify,
    settings: Arc<Settings>,
}

impl Mailer {
    pub fn new(settings: Arc<Settings>) -> anyhow::Result<Self> {
        Ok(Self {
            transport: Transport::from_settings(&settings)?,
            templates: templates::Templates::new(&settings)?,
            wake: Notify::new(),
            settings,
        })
    }

    /// A link to a page of ours carrying a one-time token.
    pub fn link(&self, path: &str, token: &str) -> String {
        format!("{}{path}?token={token}", self.settings.server.public_url)
    }

    pub fn render(&self, email: &Email<'_>) -> anyhow::Result<Rendered> {
        self.templates.render(email)
    }

    /// Queues a message as part of `e` (usually the transaction that made the change it
    /// reports). Call [`Mailer::wake`] after committing.
    pub async fn enqueue<'c>(
        &self,
        e: impl Exec<'c>,
        to: &str,
        email: Email<'_>,
    ) -> crate::server::error::Result<()> {
        let rendered = self.render(&email)?;
        db::outbox::insert(
            e,
            NewMessage {
                recipient: to,
                subject: &rendered.subject,
                text_body: &rendered.text,
                html_body: &rendered.html,
            },
            db::now(),
        )
        .await?;
        // Counted when written; a transaction rolled back later still counts (rare).
        metrics::counter!("gatehouse_mail_total", "result" => "queued").increment(1);
        Ok(())
    }

    /// Tells the worker there is mail to send.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}
