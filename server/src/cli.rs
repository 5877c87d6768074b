//! The command line: `vaern serve`, `vaern admin create`, `vaern demo`, `vaern routes`.
//! Every flag can also be given as a `VAERN_*` environment variable.

use crate::config::Config;
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use vaern_core::accounts::management::{self, Invitation};
use vaern_core::accounts::sessions::SessionLimits;
use vaern_core::accounts::{self, MailLocale, NewUser, links, second_factor};
use vaern_core::mail::Mailer;
use vaern_core::policy::PlatformRole;
use vaern_core::{db, orgs};

#[derive(Debug, Parser)]
#[command(
    name = "vaern",
    version,
    about = "Værn: the municipalities' cybersecurity platform"
)]
pub struct Cli {
    /// Directory holding vaern.db, files/ and index/.
    #[arg(long, env = "VAERN_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application.
    Serve(ServeArgs),
    /// Manage accounts from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Fill a fresh data directory with demo content and print the demo accounts.
    Demo,
    /// Print the application's page routes as JSON (used by the accessibility tests).
    Routes,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "VAERN_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Public URL behind the proxy, e.g. https://vaern.example.dk; https turns on Secure
    /// cookies and HSTS.
    #[arg(long, env = "VAERN_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Proxy address range whose X-Forwarded-For is trusted (repeatable, or comma-separated).
    #[arg(long, env = "VAERN_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<IpNet>,
    /// The compiled site (pkg/, CSS); defaults to the site next to the binary.
    #[arg(long, env = "VAERN_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Seconds without requests after which a session ends.
    #[arg(long, env = "VAERN_SESSION_IDLE_SECS", default_value_t = 3600)]
    pub session_idle_secs: i64,
    /// Seconds after sign-in after which a session ends regardless of use.
    #[arg(long, env = "VAERN_SESSION_ABSOLUTE_SECS", default_value_t = 12 * 3600)]
    pub session_absolute_secs: i64,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// Where mail goes: SMTP, a directory of message files, or nowhere (the default).
#[derive(Debug, Args)]
pub struct MailArgs {
    /// SMTP server as a URL, e.g. smtps://user:password@mail.example.dk (lettre's format).
    #[arg(long, env = "VAERN_SMTP_URL", conflicts_with = "mail_dir")]
    pub smtp_url: Option<String>,
    /// Write each message as a file in this directory instead of sending it.
    #[arg(long, env = "VAERN_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// Sender of the platform's mail.
    #[arg(
        long,
        env = "VAERN_MAIL_FROM",
        default_value = "Værn <noreply@localhost>"
    )]
    pub mail_from: String,
}

impl MailArgs {
    fn mailer(&self) -> Result<Mailer, String> {
        let describe = |e: vaern_core::CoreError| format!("mail settings: {e}");
        match (&self.smtp_url, &self.mail_dir) {
            (Some(url), _) => Mailer::smtp(url, &self.mail_from).map_err(describe),
            (None, Some(dir)) => Mailer::dir(dir.clone(), &self.mail_from).map_err(describe),
            (None, None) => Ok(Mailer::off()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a platform administrator.
    Create(CreateAdminArgs),
}

#[derive(Debug, Args)]
pub struct CreateAdminArgs {
    #[arg(long, env = "VAERN_ADMIN_EMAIL")]
    pub email: String,
    #[arg(long, env = "VAERN_ADMIN_NAME")]
    pub name: String,
    /// Organisation code, e.g. `kl` or a municipality code such as `751`.
    #[arg(long, env = "VAERN_ADMIN_ORG")]
    pub org: String,
    /// Read the password from standard input (passwords never go in argv). Without it,
    /// the account is invited and its one-time link is printed.
    #[arg(long)]
    pub password_stdin: bool,
    /// Public URL the printed link starts with.
    #[arg(
        long,
        env = "VAERN_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,
}

pub async fn execute(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => serve(cli.data_dir, args).await,
        Command::Admin(AdminCommand::Create(args)) => create_admin(cli.data_dir, args).await,
        Command::Demo => demo(cli.data_dir).await,
        Command::Routes => {
            println!("{}", crate::page_routes_json());
            Ok(())
        }
    }
}

async fn serve(data_dir: PathBuf, args: ServeArgs) -> Result<(), String> {
    if args.session_idle_secs <= 0 || args.session_absolute_secs <= 0 {
        return Err("session timeouts must be positive".into());
    }
    let mut config = Config::new(data_dir);
    config.public_url = args.public_url;
    config.trusted_proxies = args.trusted_proxy;
    if let Some(site_root) = args.site_root {
        config.site_root = site_root;
    }
    config.limits = SessionLimits {
        idle_secs: args.session_idle_secs,
        absolute_secs: args.session_absolute_secs,
    };
    config.mailer = args.mail.mailer()?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let server = crate::Server::build(listener, config).await?;
    tracing::info!(url = %server.url(), "Værn is serving");
    server.run_until_stopped().await
}

async fn create_admin(data_dir: PathBuf, args: CreateAdminArgs) -> Result<(), String> {
    let describe = |e: vaern_core::CoreError| match e {
        vaern_core::CoreError::Invalid { field, reason } => format!("{field}: {reason}"),
        vaern_core::CoreError::Conflict(_) => "an account with that e-mail exists".into(),
        other => other.to_string(),
    };
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let org = orgs::find_by_code(&db, &args.org)
        .await
        .map_err(|_| format!("no organisation with code {:?}", args.org))?;
    if !args.password_stdin {
        let invited = management::invite(
            &db,
            None,
            Invitation {
                email: args.email,
                name: args.name,
                org_id: org.id,
                role: PlatformRole::Admin,
                org_admin: false,
                locale: MailLocale::Da,
            },
        )
        .await
        .map_err(describe)?;
        println!(
            "Invited administrator #{} in {}. The link below works once, for {} hours:\n{}{}",
            invited.user_id,
            org.name,
            links::LIFETIME_SECS / 3600,
            args.public_url.trim_end_matches('/'),
            links::path(&invited.token)
        );
        return Ok(());
    }
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("reading the password from stdin: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let user = accounts::create(
        &db,
        NewUser {
            email: args.email,
            name: args.name,
            org_id: org.id,
            role: PlatformRole::Admin,
            org_admin: false,
            password,
        },
    )
    .await
    .map_err(describe)?;
    println!(
        "Created administrator #{user} in {}. A second factor is enrolled at the first sign-in.",
        org.name
    );
    Ok(())
}

async fn demo(data_dir: PathBuf) -> Result<(), String> {
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let accounts = vaern_core::demo::fill(&db)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Demo content created in {}. Demo accounts:",
        data_dir.display()
    );
    for account in accounts {
        println!(
            "  {:<12} {:<28} password: {}  ({})",
            account.label, account.email, account.password, account.org
        );
        if let Some(secret) = account.totp_secret {
            let uri =
                second_factor::otpauth_uri(secret, account.email).map_err(|e| e.to_string())?;
            println!("  {:<12} TOTP secret: {secret}  {uri}", "");
        }
    }
    Ok(())
}
