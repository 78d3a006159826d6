//! Message templates (minijinja): each message is a subject, a plain-text body and an
//! HTML body; values are escaped in HTML.

use super::{Email, Rendered};
use crate::server::config::Settings;
use anyhow::Context;
use minijinja::{Environment, context};

pub struct Templates {
    env: Environment<'static>,
    product: String,
    site: String,
    forgot_link: String,
    profile_link: String,
    verify_hours: u64,
    reset_minutes: u64,
    sign_in_minutes: u64,
}

const SOURCES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("_button.html", include_str!("templates/_button.html")),
    (
        "verify_email.html",
        include_str!("templates/verify_email.html"),
    ),
    (
        "verify_email.txt",
        include_str!("templates/verify_email.txt"),
    ),
    (
        "reset_password.html",
        include_str!("templates/reset_password.html"),
    ),
    (
        "reset_password.txt",
        include_str!("templates/reset_password.txt"),
    ),
    (
        "password_changed.html",
        include_str!("templates/password_changed.html"),
    ),
    (
        "password_changed.txt",
        include_str!("templates/password_changed.txt"),
    ),
    (
        "confirm_new_email.html",
        include_str!("templates/confirm_new_email.html"),
    ),
    (
        "confirm_new_email.txt",
        include_str!("templates/confirm_new_email.txt"),
    ),
    (
        "email_change_requested.html",
        include_str!("templates/email_change_requested.html"),
    ),
    (
        "email_change_requested.txt",
        include_str!("templates/email_change_requested.txt"),
    ),
    (
        "provider_changed.html",
        include_str!("templates/provider_changed.html"),
    ),
    (
        "provider_changed.txt",
        include_str!("templates/provider_changed.txt"),
    ),
    (
        "signup_attempted.html",
        include_str!("templates/signup_attempted.html"),
    ),
    (
        "signup_attempted.txt",
        include_str!("templates/signup_attempted.txt"),
    ),
    (
        "sign_in_link.html",
        include_str!("templates/sign_in_link.html"),
    ),
    (
        "sign_in_link.txt",
        include_str!("templates/sign_in_link.txt"),
    ),
    (
        "passkey_changed.html",
        include_str!("templates/passkey_changed.html"),
    ),
    (
        "passkey_changed.txt",
        include_str!("templates/passkey_changed.txt"),
    ),
    (
        "factor_changed.html",
        include_str!("templates/factor_changed.html"),
    ),
    (
        "factor_changed.txt",
        include_str!("templates/factor_changed.txt"),
    ),
];

impl Templates {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        for (name, source) in SOURCES {
            env.add_template(name, source)
                .with_context(|| format!("mail template {name}"))?;
        }
        Ok(Self {
            env,
            product: settings.product_name.clone(),
            site: settings.server.public_url.clone(),
            forgot_link: format!("{}/forgot-password", settings.server.public_url),
            profile_link: format!("{}/profile", settings.server.public_url),
            verify_hours: settings.accounts.verify_email_ttl.as_secs().div_ceil(3600),
            reset_minutes: settings.accounts.reset_password_ttl.as_secs().div_ceil(60),
            sign_in_minutes: settings.accounts.sign_in_link_ttl.as_secs().div_ceil(60),
        })
    }

    pub fn render(&self, email: &Email<'_>) -> anyhow::Result<Rendered> {
        let product = &self.product;
        let (template, subject, values) = match email {
            Email::VerifyEmail { name, email, link } => (
                "verify_email",
                format!("Verify your email address for {product}"),
                context! { name, email, link, hours => self.verify_hours },
            ),
            Email::ResetPassword { name, link } => (
                "reset_password",
                format!("Reset your {product} password"),
                context! { name, link, minutes => self.reset_minutes },
            ),
            Email::PasswordChanged {
                name,
                by_reset,
                providers,
            } => (
                "password_changed",
                format!("Your {product} password was changed"),
                context! { name, reset => by_reset, providers },
            ),
            Email::ConfirmNewEmail {
                name,
                new_email,
                link,
            } => (
                "confirm_new_email",
                format!("Confirm your new email address for {product}"),
                context! { name, email => new_email, link, hours => self.verify_hours },
            ),
            Email::EmailChangeRequested {
                name,
                new_email,
                cancel_link,
            } => (
                "email_change_requested",
                format!("A change of your {product} email address was requested"),
                context! { name, new_email, cancel_link },
            ),
            Email::ProviderChanged {
                name,
                provider,
                connected,
                automatic,
            } => (
                "provider_changed",
                if *connected {
                    format!("{provider} was connected to your {product} account")
                } else {
                    format!("{provider} was disconnected from your {product} account")
                },
                context! { name, provider, connected, automatic },
            ),
            Email::SignupAttempted { name } => (
                "signup_attempted",
                format!("Someone tried to sign up to {product} with your address"),
                context! { name },
            ),
            Email::SignInLink { name, link } => (
                "sign_in_link",
                format!("Sign in to {product}"),
                context! { name, link, minutes => self.sign_in_minutes },
            ),
            Email::PasskeyChanged {
                name,
                passkey,
                added,
            } => (
                "passkey_changed",
                if *added {
                    format!("A passkey was added to your {product} account")
                } else {
                    format!("A passkey was removed from your {product} account")
                },
                context! { name, passkey, added },
            ),
            Email::FactorChanged { name, change } => (
                "factor_changed",
                format!("{} ({product})", change.subject()),
                context! { name, sentence => change.sentence() },
            ),
        };
        let values = context! { ..values, ..context! {
            subject => &subject,
            product,
            site => &self.site,
            forgot_link => &self.forgot_link,
            profile_link => &self.profile_link,
        }};
        let render = |ext: &str| {
            self.env
                .get_template(&format!("{template}.{ext}"))
                .and_then(|t| t.render(&values))
                .with_context(|| format!("rendering {template}.{ext}"))
        };
        Ok(Rendered {
            text: render("txt")?,
            html: render("html")?,
            subject,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Templates {
        Templates::new(&Settings::default().finish().unwrap()).unwrap()
    }

    #[test]
    fn every_message_renders_text_and_html_with_the_link() {
        let t = templates();
        let link = "http://localhost:3000/verify-email?token=abc".to_string();
        let r = t
            .render(&Email::VerifyEmail {
                name: "Ann",
                email: "ann@example.com",
                link: link.clone(),
            })
            .unwrap();
        assert!(r.subject.contains("Verify"));
        assert!(r.text.contains(&link) && r.html.contains("token=abc"));
        assert!(r.text.contains("24 hours"));
        for email in [
            Email::ResetPassword {
                name: "Ann",
                link: link.clone(),
            },
            Email::PasswordChanged {
                name: "Ann",
                by_reset: true,
                providers: vec!["GitHub".into()],
            },
            Email::ConfirmNewEmail {
                name: "Ann",
                new_email: "new@example.com",
                link: link.clone(),
            },
            Email::EmailChangeRequested {
                name: "Ann",
                new_email: "new@example.com",
                cancel_link: link.clone(),
            },
            Email::ProviderChanged {
                name: "Ann",
                provider: "GitHub",
                connected: true,
                automatic: true,
            },
            Email::SignupAttempted { name: "Ann" },
            Email::SignInLink {
                name: "Ann",
                link: link.clone(),
            },
            Email::PasskeyChanged {
                name: "Ann",
                passkey: "Laptop",
                added: true,
            },
        ] {
            let r = t.render(&email).unwrap();
            assert!(
                r.text.contains("Hello Ann") && r.html.contains("Hello Ann"),
                "{}",
                r.subject
            );
        }
    }

    #[test]
    fn names_are_escaped_in_html_but_not_in_text() {
        let r = templates()
            .render(&Email::PasswordChanged {
                name: "<script>x</script>",
                by_reset: false,
                providers: vec![],
            })
            .unwrap();
        assert!(!r.html.contains("<script>x"));
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(r.text.contains("<script>x</script>"));
    }
}
