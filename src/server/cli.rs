//! The command line: `serve` (default), `migrate`, `create-admin`, `gen-key`,
//! `gen-factor-key`, `gen-oidc-key`, `rotate-key`, and `client` (apps that sign in
//! through Gatehouse).

use crate::server::{
    auth::{
        create_admin::{self as admins, AdminOutcome},
        passwords::Password,
    },
    config::Settings,
    error::{Error, refusal_words},
    keys,
    state::AppState,
};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;

#[derive(Parser, Debug)]
#[command(name = "gatehouse", version, about = "Self-hosted accounts service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an admin account (the password is read from standard input when piped,
    /// otherwise prompted for; never from the command line). With --promote, make the
    /// existing account with exactly this username and verified email an admin instead.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        /// Promote an existing account: its username and verified address must both match.
        #[arg(long)]
        promote: bool,
    },
    /// Print a new Ed25519 signing key (PKCS#8 PEM) for GATEHOUSE_JWT_PRIVATE_KEY.
    GenKey,
    /// Print a new key (32 random bytes, base64) for GATEHOUSE_FACTOR_KEY, which seals
    /// authenticator-app secrets. Changing it later disables every app already set up.
    GenFactorKey,
    /// Retire the signing keys kept under data/ (access tokens, and ID tokens once an app
    /// has signed in) and make new ones; the old ones stay published until the tokens
    /// they signed have expired. Restart the server after.
    RotateKey,
    /// Print a new RSA key (PKCS#8 PEM) for GATEHOUSE_OIDC_PRIVATE_KEY, which signs the ID
    /// tokens of apps that sign in through Gatehouse.
    GenOidcKey,
    /// Apps that sign their users in through Gatehouse (OpenID Connect clients).
    #[command(subcommand)]
    Client(ClientCommand),
}

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Register an app. Prints its client id and, for a confidential app, its secret:
    /// shown this once, stored only as a hash.
    Create {
        /// The name people see ("Sign in to ...", the consent page).
        #[arg(long)]
        name: String,
        /// An exact redirect URI (repeat for several).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Where logging out through the app may return to (repeatable).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A browser or native app: no secret, PKCE required.
        #[arg(long, conflicts_with = "confidential")]
        public: bool,
        /// A server-side app with a secret (the default).
        #[arg(long)]
        confidential: bool,
        /// An app of your own: people are not asked for consent.
        #[arg(long)]
        first_party: bool,
        /// May get tokens for itself (client_credentials), without a person.
        #[arg(long)]
        client_credentials: bool,
        /// A per-app `sub` instead of the user id.
        #[arg(long)]
        pairwise: bool,
        /// Sign its ID tokens with EdDSA instead of RS256.
        #[arg(long)]
        eddsa: bool,
    },
    /// List the registered apps.
    List,
    /// Disable an app: its sign-ins and token requests are refused from now on.
    Disable { client_id: String },
    /// Enable a disabled app again.
    Enable { client_id: String },
}

/// Runs `cli`'s command with the settings `main` loaded (only the commands that need
/// them fail when they did not load).
pub async fn run(cli: Cli, settings: anyhow::Result<Settings>) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => crate::server::serve::serve(settings?).await,
        Command::Migrate => {
            // Only the database: a migration job needs no signing key or mail settings.
            let settings = settings?;
            let db = crate::server::db::Db::connect(
                &settings.database.url,
                settings.database.max_connections,
            )
            .await?;
            db.migrate().await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::CreateAdmin {
            username,
            email,
            promote,
        } => create_admin(settings?, &username, &email, promote).await,
        Command::GenKey => {
            print!("{}", keys::generate_pem()?);
            Ok(())
        }
        Command::GenFactorKey => {
            println!("{}", crate::server::sealing::SealingKey::generate());
            Ok(())
        }
        Command::GenOidcKey => {
            print!("{}", crate::server::provider::keys::generate_pem()?);
            Ok(())
        }
        Command::Client(command) => client_command(settings?, command).await,
        Command::RotateKey => rotate_keys(&settings?),
    }
}

/// Rotates both signing keys kept on disk; a key from the environment is rotated there,
/// and the message says how. Fails if either could not be rotated, after trying both.
fn rotate_keys(settings: &Settings) -> anyhow::Result<()> {
    use crate::server::provider::{RETIRED_KEY_SECONDS, keys as oidc_keys};
    let data = &settings.server.data_dir;
    let keep =
        crate::server::clock::seconds(settings.tokens.access_ttl) + keys::ROTATION_SKEW_SECONDS;
    let access = keys::rotate(data, keep).map(|(old, new)| {
        println!(
            "New access-token signing key {new}. The retired key {old} stays published for \
             {keep} seconds."
        )
    });
    let id_tokens = oidc_keys::rotate(data, RETIRED_KEY_SECONDS).map(|rotated| match rotated {
        Some((old, new)) => println!(
            "New ID-token signing key {new}. The retired key {old} stays published for \
             {RETIRED_KEY_SECONDS} seconds."
        ),
        None => println!("No ID-token signing key under data/ yet: nothing to rotate there."),
    });
    let failures: Vec<String> = [access, id_tokens]
        .into_iter()
        .filter_map(|r| r.err().map(|e| format!("{e:#}")))
        .collect();
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    println!("Restart the server to sign with the new keys.");
    Ok(())
}

async fn client_command(settings: Settings, command: ClientCommand) -> anyhow::Result<()> {
    use crate::server::{
        auth::{ClientInfo, audit::Actor},
        provider::clients::{self, ClientChange, NewClient},
    };
    let state = AppState::build(settings).await?;
    let cli = ClientInfo::new(None, Some("gatehouse client".into()));
    let said = |e: Error| match e {
        Error::Invalid(fields) => {
            let problems: Vec<String> = fields.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            anyhow::anyhow!("{}", problems.join("\n"))
        }
        Error::NotFound => anyhow::anyhow!("no such client"),
        e => anyhow::anyhow!("{e}"),
    };
    match command {
        ClientCommand::Create {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            confidential: _,
            first_party,
            client_credentials,
            pairwise,
            eddsa,
        } => {
            let new = NewClient {
                name,
                redirect_uris,
                post_logout_redirect_uris,
                confidential: !public,
                first_party,
                client_credentials,
                pairwise,
                eddsa,
            };
            let made = clients::register(&state, new, Actor::Cli, None, &cli)
                .await
                .map_err(said)?;
            println!("client_id: {}", made.client.id);
            if let Some(secret) = made.secret {
                println!("client_secret: {secret}");
                println!("(The secret is shown this once; Gatehouse keeps only its hash.)");
            }
            println!(
                "issuer: {}",
                crate::server::provider::tokens::issuer(&state)
            );
        }
        ClientCommand::List => {
            for c in clients::list(&state).await.map_err(said)? {
                let kind = if c.is_public() {
                    "public"
                } else {
                    "confidential"
                };
                let status = if c.is_active() { "" } else { " (disabled)" };
                let first = if c.first_party() { ", first-party" } else { "" };
                println!("{}\t{}\t{kind}{first}{status}", c.id, c.name);
                for uri in c.redirect_uris() {
                    println!("\t{uri}");
                }
            }
        }
        ClientCommand::Disable { client_id } => {
            let change = ClientChange {
                disabled: Some(true),
                ..Default::default()
            };
            let c = clients::update(&state, &client_id, change, None, &cli)
                .await
                .map_err(said)?;
            println!("Disabled {} ({}).", c.id, c.name);
        }
        ClientCommand::Enable { client_id } => {
            let change = ClientChange {
                disabled: Some(false),
                ..Default::default()
            };
            let c = clients::update(&state, &client_id, change, None, &cli)
                .await
                .map_err(said)?;
            println!("Enabled {} ({}).", c.id, c.name);
        }
    }
    Ok(())
}

async fn create_admin(
    settings: Settings,
    username: &str,
    email: &str,
    promote: bool,
) -> anyhow::Result<()> {
    let state = AppState::build(settings).await?;
    // Promoting an existing account needs no password.
    let password = if promote {
        None
    } else {
        Some(read_password()?)
    };
    let mode = if promote {
        admins::AdminMode::Promote
    } else {
        admins::AdminMode::Create
    };
    match admins::create_admin(&state, username, email, password.as_ref(), mode).await {
        Ok((user, AdminOutcome::Created)) => {
            println!("Created admin {} <{}>.", user.username, user.email)
        }
        Ok((user, AdminOutcome::Promoted)) => {
            println!("Promoted {} <{}> to admin.", user.username, user.email)
        }
        Ok((user, AdminOutcome::AlreadyAdmin)) => {
            println!("{} <{}> is already an admin.", user.username, user.email)
        }
        Err(Error::Refused(refusal)) => bail!("{}", refusal_words(&refusal)),
        Err(Error::Invalid(fields)) => {
            let problems: Vec<String> = fields.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            bail!("{}", problems.join("\n"));
        }
        Err(e) => return Err(anyhow::anyhow!("creating the admin failed: {e}")),
    }
    Ok(())
}

fn read_password() -> anyhow::Result<Password> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(Password::new(password));
    }
    let first = rpassword::prompt_password("Password for the new admin: ")?;
    let second = rpassword::prompt_password("Repeat the password: ")?;
    if first != second {
        bail!("the passwords do not match");
    }
    Ok(Password::new(first))
}
