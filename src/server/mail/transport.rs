//! Where messages go: an SMTP server (lettre), or `.eml` files in `data/outbox/` when no
//! SMTP server is configured (development).

use crate::server::config::{MailTls, Settings};
use anyhow::Context;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::authentication::Credentials,
};
use std::{path::PathBuf, str::FromStr};

pub const SMTP_USERNAME_ENV: &str = "GATEHOUSE_SMTP_USERNAME";
pub const SMTP_PASSWORD_ENV: &str = "GATEHOUSE_SMTP_PASSWORD";

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let mail = &settings.mail;
        if mail.smtp_host.is_empty() {
            let dir = settings.server.data_dir.join("outbox");
            crate::server::create_private_dir(&dir)
                .with_context(|| format!("creating {}", dir.display()))?;
            return Ok(Self::Files(AsyncFileTransport::new(&dir), dir));
        }
        let host = mail.smtp_host.as_str();
        let builder = match mail.tls {
            MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .with_context(|| format!("mail.smtp_host {host}"))?,
            MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .with_context(|| format!("mail.smtp_host {host}"))?,
        };
        let mut builder = builder.port(mail.smtp_port).timeout(Some(mail.timeout));
        match (
            std::env::var(SMTP_USERNAME_ENV),
            std::env::var(SMTP_PASSWORD_ENV),
        ) {
            (Ok(user), Ok(password)) => {
                builder = builder.credentials(Credentials::new(user, password))
            }
            (Ok(_), Err(_)) | (Err(_), Ok(_)) => {
                anyhow::bail!("set both {SMTP_USERNAME_ENV} and {SMTP_PASSWORD_ENV}, or neither")
            }
            _ => {}
        }
        if settings.is_production() && mail.tls == MailTls::None {
            tracing::warn!(host, "mail goes to the SMTP server without TLS");
        }
        Ok(Self::Smtp(builder.build()))
    }

    /// Sends one message; the error text is what gets recorded for a retry.
    pub async fn send(
        &self,
        from: &str,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<(), String> {
        let message = build(from, to, subject, text, html)?;
        match self {
            Self::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Self::Files(files, dir) => {
                let id = files.send(message).await.map_err(|e| e.to_string())?;
                // Only who and what: the file holds the link, the log never does.
                tracing::info!(to, subject, file = %dir.join(format!("{id}.eml")).display(), "mail written to the outbox folder");
                Ok(())
            }
        }
    }
}

fn build(from: &str, to: &str, subject: &str, text: &str, html: &str) -> Result<Message, String> {
    let from = Mailbox::from_str(from).map_err(|e| format!("bad sender: {e}"))?;
    let to = Mailbox::from_str(to).map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(
            text.to_string(),
            html.to_string(),
        ))
        .map_err(|e| e.to_string())
}
