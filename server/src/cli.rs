//! The command line: `vaern serve`, `vaern admin create`, `vaern admin reset-password`,
//! `vaern demo`, `vaern routes`, `vaern backup`, `vaern restore`,
//! `vaern simulate-soc`, `vaern token`, `vaern taxii-source`.
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
use vaern_core::audit::AuditLog;
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
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Configure the remote TAXII 2.1 collections (the analysis centre's server) that
    /// the running server pulls STIX from.
    #[command(subcommand)]
    TaxiiSource(TaxiiSourceCommand),
    /// Act as the national analysis centre: send realistic STIX 2.1 bundles to a running
    /// server over TAXII (demos, load tests), or write them as files (`--out`) to check
    /// them with the OASIS validator.
    SimulateSoc(SimulateSocArgs),
    /// Copy the data directory while the server runs (database snapshot, audit head,
    /// library files) into a new or empty directory.
    Backup {
        /// Where the copy goes: a new or empty directory.
        #[arg(long)]
        to: PathBuf,
    },
    /// Rebuild the search index from the database. While the server runs it rebuilds
    /// aside and swaps, with no downtime (this command asks it and waits); otherwise
    /// this command rebuilds the index itself.
    Reindex,
    /// Lay a backup out as a new data directory (`--data-dir`, new or empty) and check
    /// its audit log and files.
    Restore {
        /// The backup's directory.
        #[arg(long)]
        from: PathBuf,
    },
    /// Read one library file's text for search, under limits (run by the server in a
    /// child process of its own; see `extraction::child`).
    #[command(hide = true)]
    Extract(crate::extraction::child::ExtractArgs),
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
    /// Largest file a library accepts, in MiB (checked against the declared length before
    /// reading and again while the file streams in).
    #[arg(long, env = "VAERN_MAX_UPLOAD_MB", default_value_t = crate::config::DEFAULT_MAX_UPLOAD_MB)]
    pub max_upload_mb: u64,
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
    /// Print a one-time password link for an existing account. Managers in the browser
    /// only get links mailed to the person; this is the operator's way on the host.
    ResetPassword(ResetPasswordArgs),
}

#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    /// The account's e-mail address.
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub link: LinkUrl,
}

/// Where a printed one-time link points.
#[derive(Debug, Args)]
pub struct LinkUrl {
    /// Public URL the printed link starts with.
    #[arg(
        long,
        env = "VAERN_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,
}

impl LinkUrl {
    /// The whole link for `token`.
    fn to(&self, token: &str) -> String {
        format!(
            "{}{}",
            self.public_url.trim_end_matches('/'),
            links::path(token)
        )
    }
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
    #[command(flatten)]
    pub link: LinkUrl,
}

pub async fn execute(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => serve(cli.data_dir, args).await,
        Command::Admin(AdminCommand::Create(args)) => create_admin(cli.data_dir, args).await,
        Command::Admin(AdminCommand::ResetPassword(args)) => {
            reset_password(cli.data_dir, args).await
        }
        Command::Demo => demo(cli.data_dir).await,
        Command::Backup { to } => backup(cli.data_dir, to).await,
        Command::Restore { from } => restore(from, cli.data_dir).await,
        Command::Reindex => reindex(cli.data_dir).await,
        Command::Audit(AuditCommand::Verify) => verify_audit(cli.data_dir).await,
        Command::Token(command) => token(cli.data_dir, command).await,
        Command::TaxiiSource(command) => taxii_source(cli.data_dir, command).await,
        Command::SimulateSoc(args) => simulate_soc(args).await,
        Command::Routes => {
            println!("{}", crate::page_routes_json());
            Ok(())
        }
        // It limits the process it runs in, so `main` runs it before any runtime starts.
        Command::Extract(_) => Err("extract runs only as a process of its own".into()),
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
    config.max_upload_bytes = args.max_upload_mb.saturating_mul(1024 * 1024);
    // Found now, before an upgrade can replace the file the running server came from.
    let program = std::env::current_exe()
        .map_err(|e| format!("cannot find the vaern binary for text extraction: {e}"))?;
    config.extraction = Some(crate::extraction::Settings::new(program));
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
        let audit = AuditLog::new(db.clone(), &data_dir);
        let invited = management::invite(
            &db,
            &audit,
            None,
            Invitation {
                email: args.email,
                name: args.name,
                org_id: org.id,
                role: PlatformRole::Admin,
                org_admin: false,
                locale: MailLocale::Da,
            },
            "command line",
        )
        .await
        .map_err(describe)?;
        // No appender runs in this process: chain the row before it ends.
        audit.chain().await.map_err(|e| e.to_string())?;
        println!(
            "Invited administrator #{} in {}. The link below works once, for {} hours:\n{}",
            invited.user_id,
            org.name,
            links::LIFETIME_SECS / 3600,
            args.link.to(&invited.token)
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

async fn reset_password(data_dir: PathBuf, args: ResetPasswordArgs) -> Result<(), String> {
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let audit = AuditLog::new(db.clone(), &data_dir);
    let (user_id, issued) = management::operator_link(&db, &audit, &args.email, "command line")
        .await
        .map_err(|e| match e {
            vaern_core::CoreError::Invalid { field: "email", .. } => {
                format!("no account with the address {:?}", args.email)
            }
            vaern_core::CoreError::Invalid { field: "user", .. } => {
                "the account is disabled: re-enable it first".to_string()
            }
            other => other.to_string(),
        })?;
    // No appender runs in this process: chain the row before it ends.
    audit.chain().await.map_err(|e| e.to_string())?;
    println!(
        "A one-time {} link for account #{user_id}. It works once, for {} hours, and ends \
         earlier links; pass it on only to the person:\n{}",
        issued.purpose.as_str().replace('_', " "),
        links::LIFETIME_SECS / 3600,
        args.link.to(&issued.token)
    );
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the audit log and its head file; exits non-zero and
    /// names the first broken row when the log was tampered with.
    Verify,
}

async fn verify_audit(data_dir: PathBuf) -> Result<(), String> {
    use vaern_core::audit::{self, Verdict};
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    match audit::verify(&db, &data_dir)
        .await
        .map_err(|e| e.to_string())?
    {
        Verdict::Intact { rows } => {
            println!("The audit log is intact: {rows} rows, every link holds.");
            Ok(())
        }
        Verdict::BrokenAt { id } => Err(format!(
            "the audit log is broken at row {id}: it does not match its hash or its link"
        )),
        Verdict::RowsRemovedFromEnd { head_id, last_id } => Err(format!(
            "rows removed from the end: audit.head names row {head_id}, which is not in the \
             chain (the last row is {last_id})"
        )),
    }
}

async fn backup(data_dir: PathBuf, to: PathBuf) -> Result<(), String> {
    if !data_dir.join("vaern.db").is_file() {
        return Err(format!("{} holds no Værn data", data_dir.display()));
    }
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let copied = vaern_core::backup::backup(&db, &data_dir, &to)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Backed up into {}: the database ({} bytes), {} files ({} bytes), {} audit rows.",
        to.display(),
        copied.database_bytes,
        copied.files,
        copied.file_bytes,
        copied.audit_rows
    );
    Ok(())
}

async fn reindex(data_dir: PathBuf) -> Result<(), String> {
    use vaern_core::search::{LiveIndex, live};
    if !data_dir.join("vaern.db").is_file() {
        return Err(format!("{} holds no Værn data", data_dir.display()));
    }
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let entries = match LiveIndex::open(&data_dir.join("index")) {
        Ok(index) => index.rebuild(&db).await.map_err(|e| e.to_string())?,
        Err(vaern_core::CoreError::Conflict(_)) => {
            println!("The server is running: asking it to rebuild the index aside and swap.");
            let id = live::request(&db, vaern_core::clock::now())
                .await
                .map_err(|e| e.to_string())?;
            loop {
                match live::outcome(&db, id).await.map_err(|e| e.to_string())? {
                    Some(Ok(entries)) => break entries,
                    Some(Err(error)) => {
                        return Err(format!("the server could not rebuild: {error}"));
                    }
                    None => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
                }
            }
        }
        Err(err) => return Err(err.to_string()),
    };
    println!(
        "Rebuilt the search index: {entries} entries in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn restore(from: PathBuf, data_dir: PathBuf) -> Result<(), String> {
    let copied = vaern_core::backup::restore(&from, &data_dir)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Restored into {}: the database ({} bytes), {} files ({} bytes); the audit log \
         verifies ({} rows).",
        data_dir.display(),
        copied.database_bytes,
        copied.files,
        copied.file_bytes,
        copied.audit_rows
    );
    Ok(())
}

async fn demo(data_dir: PathBuf) -> Result<(), String> {
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let audit = AuditLog::new(db.clone(), &data_dir);
    let accounts = vaern_core::demo::fill(&db, &audit)
        .await
        .map_err(|e| e.to_string())?;
    let centre_token = vaern_core::demo::fill_intel(&db, &audit)
        .await
        .map_err(|e| e.to_string())?;
    let libraries = vaern_core::library::Libraries {
        db: db.clone(),
        files: vaern_core::library::store::BlobStore::new(&data_dir),
        audit: audit.clone(),
        hub: vaern_core::notifications::Hub::new(),
    };
    vaern_core::demo::fill_library(&libraries)
        .await
        .map_err(|e| e.to_string())?;
    // The demo's changes, uploads and reads staged their audit rows; chain them now.
    audit.chain().await.map_err(|e| e.to_string())?;
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
    println!(
        "A month of the analysis centre's alerts is in place. Its stix:write token, for \
         `vaern simulate-soc --url http://127.0.0.1:3000 --token <token>`:\n  {centre_token}"
    );
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an organisation and print its secret (shown only now).
    Create(CreateTokenArgs),
    /// List every API token with its last use.
    List,
    /// Revoke an API token by its id; it is refused from the next request on.
    Revoke {
        /// The token's id, as `vaern token list` shows it.
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct CreateTokenArgs {
    /// Organisation code, e.g. `soc` or a municipality code such as `751`.
    #[arg(long)]
    pub org: String,
    /// `taxii:read` (read the feed) or `stix:write` (publish; analysis centre only).
    /// Repeatable.
    #[arg(long = "scope", required = true)]
    pub scopes: Vec<String>,
    /// Last day the token works (in Copenhagen), YYYY-MM-DD; without it the token does not expire.
    #[arg(long)]
    pub expires: Option<String>,
    /// What the token is for (at most 100 characters).
    #[arg(long, default_value = "")]
    pub name: String,
}

async fn token(data_dir: PathBuf, command: TokenCommand) -> Result<(), String> {
    use vaern_core::tokens::{self, Manager, NewToken};
    let describe = |e: vaern_core::CoreError| match e {
        vaern_core::CoreError::Invalid { field, reason } => format!("{field}: {reason}"),
        vaern_core::CoreError::NotFound => "no such token".into(),
        other => other.to_string(),
    };
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let audit = AuditLog::new(db.clone(), &data_dir);
    match command {
        TokenCommand::Create(args) => {
            let created = tokens::create(
                &db,
                &audit,
                Manager::Operator,
                "command line",
                NewToken {
                    org: args.org,
                    scopes: args.scopes,
                    expires: args.expires,
                    name: args.name,
                },
            )
            .await
            .map_err(describe)?;
            let scopes: Vec<&str> = created.scopes.iter().map(|s| s.as_str()).collect();
            println!(
                "Created token #{} for {} ({}), scopes {}, {}.\n\
                 Its secret is shown only now; store it in the client:\n{}",
                created.id,
                created.org.name,
                created.org.code,
                scopes.join(" "),
                match created.expires_at {
                    Some(at) => format!("valid until {}", utc(at)),
                    None => "no expiry".to_string(),
                },
                created.secret
            );
        }
        TokenCommand::List => {
            let now = vaern_core::clock::now();
            let list = tokens::list(&db, Manager::Operator)
                .await
                .map_err(describe)?;
            if list.is_empty() {
                println!("No API tokens.");
            }
            for t in list {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(at), _) => format!("revoked {}", utc(at)),
                    (None, Some(at)) if at <= now => format!("expired {}", utc(at)),
                    (None, Some(at)) => format!("expires {}", utc(at)),
                    (None, None) => "no expiry".to_string(),
                };
                let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
                println!(
                    "#{:<5} {:<6} {:<22} {:<32} created {}  last used {}  {}",
                    t.id,
                    t.org_code,
                    scopes.join(" "),
                    if t.name.is_empty() { "-" } else { &t.name },
                    utc(t.created_at),
                    t.last_used_at.map(utc).unwrap_or_else(|| "never".into()),
                    state
                );
            }
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke(
                &db,
                &audit,
                Manager::Operator,
                "command line",
                vaern_core::ids::TokenId(id),
            )
            .await
            .map_err(describe)?;
            println!("Token #{id} is revoked.");
        }
    }
    // No appender runs in this process: chain what the command staged before it ends.
    audit.chain().await.map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum TaxiiSourceCommand {
    /// Add a source, with its own `stix:write` token of the publishing organisation; the
    /// server polls it at once, then every interval.
    Add(AddTaxiiSourceArgs),
    /// List the sources with their status.
    List,
    /// Delete a source and revoke its token; what it fetched stays.
    Delete {
        /// The source's id, as `vaern taxii-source list` shows it.
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct AddTaxiiSourceArgs {
    /// The remote API root, e.g. https://taxii.example.dk/api1/.
    #[arg(long)]
    pub url: String,
    /// The collection's id.
    #[arg(long)]
    pub collection: String,
    /// User name for HTTP Basic authentication.
    #[arg(long, default_value = "")]
    pub user: String,
    /// Password for HTTP Basic authentication (better given as the environment variable,
    /// which other users cannot read in the process list).
    #[arg(
        long,
        env = "VAERN_TAXII_PASSWORD",
        default_value = "",
        hide_env_values = true
    )]
    pub password: String,
    /// Seconds between polls (30 to 86400).
    #[arg(long, default_value_t = 300)]
    pub interval_secs: i64,
    /// Code of the publishing organisation (an analysis centre), e.g. `soc`.
    #[arg(long, default_value = "soc")]
    pub org: String,
}

async fn taxii_source(data_dir: PathBuf, command: TaxiiSourceCommand) -> Result<(), String> {
    use vaern_core::stix::sources::{self, Manager, NewSource, SourceId};
    let describe = |e: vaern_core::CoreError| match e {
        vaern_core::CoreError::Invalid { field, reason } => format!("{field}: {reason}"),
        vaern_core::CoreError::NotFound => "no such source".into(),
        other => other.to_string(),
    };
    let db = db::open(&data_dir).await.map_err(|e| e.to_string())?;
    let audit = AuditLog::new(db.clone(), &data_dir);
    match command {
        TaxiiSourceCommand::Add(args) => {
            let id = sources::create(
                &db,
                &audit,
                Manager::Operator,
                "command line",
                NewSource {
                    url: args.url,
                    collection: args.collection,
                    username: args.user,
                    password: args.password,
                    interval_secs: args.interval_secs.to_string(),
                    org: args.org,
                },
            )
            .await
            .map_err(describe)?;
            println!("Added TAXII source #{id}; the server polls it within seconds.");
        }
        TaxiiSourceCommand::List => {
            let list = sources::list(&db, Manager::Operator)
                .await
                .map_err(describe)?;
            if list.is_empty() {
                println!("No TAXII sources.");
            }
            for s in list {
                let state = match (s.enabled, s.token_revoked) {
                    (_, true) => "token revoked",
                    (true, false) => "enabled",
                    (false, false) => "disabled",
                };
                println!(
                    "#{:<4} {} collection {} as {} every {} s, {state}; {} objects received; \
                     last success {}; checkpoint {}; next attempt {}",
                    s.id,
                    s.url,
                    s.collection_id,
                    s.org_code,
                    s.interval_secs,
                    s.objects_received,
                    s.last_success_at.map(utc).unwrap_or_else(|| "never".into()),
                    s.checkpoint.as_deref().unwrap_or("none"),
                    utc(s.next_attempt_at),
                );
                if let (Some(at), Some(error)) = (s.last_error_at, &s.last_error) {
                    println!(
                        "      last error {} ({} in a row): {error}",
                        utc(at),
                        s.consecutive_failures
                    );
                }
            }
        }
        TaxiiSourceCommand::Delete { id } => {
            sources::delete(&db, &audit, Manager::Operator, "command line", SourceId(id))
                .await
                .map_err(describe)?;
            println!("TAXII source #{id} is deleted and its token revoked.");
        }
    }
    // No appender runs in this process: chain what the command staged before it ends.
    audit.chain().await.map_err(|e| e.to_string())
}

/// A unix time for the operator: `2025-03-11 00:00 UTC`.
fn utc(unix_secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix_secs) {
        Ok(t) => format!(
            "{}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => unix_secs.to_string(),
    }
}

#[derive(Debug, Args)]
pub struct SimulateSocArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:3000.
    #[arg(long, env = "VAERN_SIMULATE_URL", required_unless_present = "out")]
    pub url: Option<String>,
    /// API token of the `soc` organisation with the `stix:write` scope. Prefer the
    /// environment variable: the command line is visible to other users of the machine.
    #[arg(
        long,
        env = "VAERN_SIMULATE_TOKEN",
        hide_env_values = true,
        required_unless_present = "out"
    )]
    pub token: Option<SecretToken>,
    /// Bundles per second; 0 sends the next bundle as soon as the server has answered.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Number of bundles.
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// Objects per bundle (at least; a story is always finished).
    #[arg(long, default_value_t = 20)]
    pub size: usize,
    /// Seed of the generator, to repeat a run; without it one is drawn and printed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the bundles as DIR/bundle-0001.json … instead of sending them.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// An API token whose `Debug` never shows it, so no log or error message can leak it.
#[derive(Clone)]
pub struct SecretToken(String);

impl std::str::FromStr for SecretToken {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("the token is empty".into());
        }
        Ok(Self(s.trim().to_string()))
    }
}

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken(…)")
    }
}

const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

async fn simulate_soc(args: SimulateSocArgs) -> Result<(), String> {
    use vaern_core::stix::simulate::Generator;
    if !(args.rate.is_finite() && args.rate >= 0.0) {
        return Err("--rate must be a number of bundles per second, 0 or more".into());
    }
    let seed = args.seed.unwrap_or_else(rand::random);
    eprintln!("simulate-soc: seed {seed} (repeat the run with --seed {seed})");
    let municipalities = orgs::municipality_codes_and_names().map_err(|e| e.to_string())?;
    let mut generator = Generator::new(seed, municipalities);

    if let Some(dir) = args.out {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for n in 1..=args.count {
            let bundle = generator.bundle(args.size, time::OffsetDateTime::now_utc());
            let path = dir.join(format!("bundle-{n:04}.json"));
            let text = serde_json::to_string_pretty(&bundle).map_err(|e| e.to_string())?;
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "{} {} objects",
                path.display(),
                bundle["objects"].as_array().map_or(0, Vec::len)
            );
        }
        return Ok(());
    }

    let (Some(url), Some(token)) = (args.url, args.token) else {
        return Err("--url and --token are required unless --out is given".into());
    };
    let endpoint = format!(
        "{}/taxii2/vaern/collections/{}/objects/",
        url.trim_end_matches('/'),
        vaern_core::stix::INBOUND_COLLECTION_ID
    );
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let mut ticker = (args.rate > 0.0).then(|| {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / args.rate));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker
    });
    let mut failed = 0;
    for n in 1..=args.count {
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        let bundle = generator.bundle(args.size, time::OffsetDateTime::now_utc());
        let objects = bundle["objects"].clone();
        let sent = objects.as_array().map_or(0, Vec::len);
        let envelope = serde_json::json!({ "objects": objects });
        let response = client
            .post(&endpoint)
            .header(reqwest::header::CONTENT_TYPE, TAXII_MEDIA_TYPE)
            .header(reqwest::header::ACCEPT, TAXII_MEDIA_TYPE)
            .bearer_auth(&token.0)
            .body(envelope.to_string())
            .send()
            .await;
        let (ok, line) = match response {
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                describe_taxii_answer(status, &body)
            }
            Err(e) => (false, format!("error: {}", error_chain(e))),
        };
        if !ok {
            failed += 1;
        }
        println!("#{n:04} {sent:>4} objects  {line}");
    }
    if failed > 0 {
        return Err(format!("{failed} of {} requests failed", args.count));
    }
    Ok(())
}

/// A request error with its causes ("error sending request" alone says nothing), without
/// the URL, which the operator typed.
fn error_chain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// One line for the server's answer, and whether every object was accepted: a TAXII
/// status resource (id, status, counts) on success, the error's title and description
/// otherwise.
fn describe_taxii_answer(status: reqwest::StatusCode, body: &str) -> (bool, String) {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let text = |key: &str| json[key].as_str().unwrap_or("").to_string();
    let count = |key: &str| json[key].as_u64().unwrap_or(0);
    if status.is_success() {
        let failures = count("failure_count");
        let line = format!(
            "{} status {} ({}, {} ok, {} failed, {} pending)",
            status.as_u16(),
            Some(text("id"))
                .filter(|id| !id.is_empty())
                .unwrap_or("-".into()),
            text("status"),
            count("success_count"),
            failures,
            count("pending_count")
        );
        let first_failure = json["failures"][0]["message"].as_str();
        match first_failure {
            Some(message) => (false, format!("{line}; first failure: {message}")),
            None => (failures == 0, line),
        }
    } else {
        let reason = match (text("title"), text("description")) {
            (title, description) if !title.is_empty() && !description.is_empty() => {
                format!("{title}: {description}")
            }
            (title, _) if !title.is_empty() => title,
            _ => body.chars().take(300).collect::<String>(),
        };
        (
            false,
            format!("{} error: {}", status.as_u16(), reason.trim()),
        )
    }
}
