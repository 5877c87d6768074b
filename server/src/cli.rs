//! The command line: `vaern serve`, `vaern admin create`, `vaern demo`, `vaern routes`.
//! Every flag can also be given as a `VAERN_*` environment variable.

use crate::config::Config;
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use vaern_core::accounts::sessions::SessionLimits;
use vaern_core::accounts::{self, NewUser};
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
    /// Read the password from standard input (required: passwords never go in argv).
    #[arg(long, required = true)]
    pub password_stdin: bool,
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
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let server = crate::Server::build(listener, config).await?;
    tracing::info!(url = %server.url(), "Værn is serving");
    server.run_until_stopped().await
}

async fn create_admin(data_dir: PathBuf, args: CreateAdminArgs) -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("reading the password from stdin: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let org = orgs::find_by_code(&db, &args.org)
        .await
        .map_err(|_| format!("no organisation with code {:?}", args.org))?;
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
    .map_err(|e| match e {
        vaern_core::CoreError::Invalid { field, reason } => format!("{field}: {reason}"),
        vaern_core::CoreError::Conflict(_) => "an account with that e-mail exists".into(),
        other => other.to_string(),
    })?;
    println!("Created administrator #{user} in {}.", org.name);
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
    }
    Ok(())
}
