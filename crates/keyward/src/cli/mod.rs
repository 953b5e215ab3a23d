//! Command-line interface. Each noun has its module; this one holds the
//! options every command shares and opens the store they all use.

mod backup;
mod config;
mod jobs;
mod key;
mod master_key_cmd;
mod oauth_client;
mod output;
mod portal;
mod project;
mod query;
mod quickstart;
mod serve;
mod signing_key;
mod token;
mod transfer;
mod users;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use keyward_store::{MasterKey, Store, StoreOptions};

use crate::master_key::{self, IfMissing};
use crate::settings::{self, ConfigFile};

/// keyward: an identity server: users behind an RS256-protected Admin API, signed in with OpenID Connect.
#[derive(Debug, Parser)]
#[command(name = "keyward", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, so the CLI and a running server share one store.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// Read settings from this TOML file (see docs/configuration.md);
    /// flags and environment variables win over it.
    #[arg(long, global = true, env = "KEYWARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory for the SQLite database and the generated master key file.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_DATA_DIR",
        default_value = "./keyward-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL (default: sqlite://<data-dir>/keyward.db).
    #[arg(
        long,
        global = true,
        env = "KEYWARD_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// File holding the master key (base64 of 32 bytes) that seals private
    /// keys at rest. KEYWARD_MASTER_KEY, when set, takes precedence.
    /// Default: <data-dir>/master.key.
    #[arg(long, global = true, env = "KEYWARD_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Most keys one project may hold.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_MAX_KEYS_PER_PROJECT",
        default_value_t = 5
    )]
    pub max_keys_per_project: u32,
    /// Database connection pool size. Default: on SQLite two per CPU core
    /// (at least 2, at most 8), since each connection is a thread of this
    /// process with its own page cache and allocator arena (a 1 M-user
    /// export peaked at 115 MiB with 8 on 2 cores, 88 MiB with 4); on
    /// PostgreSQL 8.
    #[arg(long, global = true, env = "KEYWARD_DB_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    pub db_max_connections: Option<u32>,
    /// Longest a database statement may run (PostgreSQL) or wait for a lock (SQLite), in seconds.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_DB_STATEMENT_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub db_statement_timeout: u64,
    /// Retries of idempotent database operations after a transient error.
    #[arg(long, global = true, env = "KEYWARD_DB_RETRIES", default_value_t = 2)]
    pub db_retries: u32,
    /// What to log (on stderr): a level (`info`, `debug`) or directives per
    /// module (`info,keyward_server=debug`). Default: `info` for `serve`
    /// and `quickstart`, `warn` for the other commands.
    #[arg(long, global = true, env = "KEYWARD_LOG", value_parser = log_filter)]
    pub log: Option<String>,
}

fn log_filter(text: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(text)
        .map(|_| text.to_owned())
        .map_err(|e| format!("not a log filter: {e}"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Admin API server.
    Serve(serve::ServeArgs),
    /// Create project `myapp` and a key, start the server and print a working curl line.
    Quickstart(quickstart::QuickstartArgs),
    /// Manage projects.
    #[command(subcommand)]
    Project(project::ProjectCommand),
    /// Manage a project's Admin API keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Manage a project's applications (OAuth clients) for end-user sign-in.
    #[command(subcommand, name = "oauth-client")]
    OauthClient(oauth_client::OAuthClientCommand),
    /// Rotate or list a project's OpenID Connect signing keys.
    #[command(subcommand, name = "signing-key")]
    SigningKey(signing_key::SigningKeyCommand),
    /// Print a signed Admin API token (JWT) on stdout.
    Token(token::TokenArgs),
    /// Run a GraphQL operation against an Admin API and print the JSON response.
    Query(query::QueryArgs),
    /// Rotate the master key that seals stored private keys.
    #[command(subcommand, name = "master-key")]
    MasterKey(master_key_cmd::MasterKeyCommand),
    /// Manage portal operator accounts.
    #[command(subcommand, name = "portal-user")]
    PortalUser(portal::PortalUserCommand),
    /// Import and export a project's users (through a running server), or
    /// seed synthetic ones for benchmarks.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Show scheduled deletions and anonymizations and which server runs them.
    Jobs(jobs::JobsArgs),
    /// Copy the SQLite store to a new file while it serves (PostgreSQL: use pg_dump).
    Backup(backup::BackupArgs),
    /// Put a backup in place in an empty data directory, after checking it.
    Restore(backup::RestoreArgs),
    /// Check or show the settings (flags, environment, config file).
    #[command(subcommand)]
    Config(config::ConfigCommand),
}

/// The command line, parsed over the config file's settings.
pub struct Parsed {
    pub cli: Cli,
    /// Where each value came from, for `config show`.
    pub matches: clap::ArgMatches,
    pub file: Option<ConfigFile>,
}

/// Parse `args` with the config file (`--config` or `KEYWARD_CONFIG`)
/// underneath. A bad file is an error; a bad command line exits as clap
/// does (usage, `--help`, `--version`).
pub fn parse(args: Vec<std::ffi::OsString>) -> anyhow::Result<Parsed> {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let mut command = Cli::command();
    let file = match settings::path_from(&args) {
        Some(path) => Some(ConfigFile::load(&path, &command)?),
        None => None,
    };
    if let Some(file) = &file {
        command = settings::install(command, file);
    }
    let matches = command.get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    Ok(Parsed { cli, matches, file })
}

pub async fn run(parsed: Parsed) -> anyhow::Result<()> {
    let Parsed { cli, matches, file } = parsed;
    let default_level = match cli.command {
        Command::Serve(_) | Command::Quickstart(_) => "info",
        _ => "warn",
    };
    init_logging(cli.global.log.as_deref().unwrap_or(default_level));
    match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Quickstart(args) => quickstart::run(&cli.global, args).await,
        Command::Project(cmd) => project::run(&cli.global, cmd).await,
        Command::Key(cmd) => key::run(&cli.global, cmd).await,
        Command::OauthClient(cmd) => oauth_client::run(&cli.global, cmd).await,
        Command::SigningKey(cmd) => signing_key::run(&cli.global, cmd).await,
        Command::Token(args) => token::run(args),
        Command::Query(args) => query::run(args).await,
        Command::Users(cmd) => users::run(&cli.global, cmd).await,
        Command::PortalUser(cmd) => portal::run(&cli.global, cmd).await,
        Command::MasterKey(cmd) => master_key_cmd::run(&cli.global, cmd).await,
        Command::Jobs(args) => jobs::run(&cli.global, args).await,
        Command::Backup(args) => backup::backup(&cli.global, args).await,
        Command::Restore(args) => backup::restore(&cli.global, args).await,
        Command::Config(cmd) => config::run(
            cmd,
            config::Parsed {
                matches: &matches,
                file: file.as_ref(),
            },
        ),
    }
}

fn init_logging(filter: &str) {
    // Checked by `log_filter` when given; the defaults are valid.
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

impl Global {
    /// Open the store, creating the data directory for the SQLite default.
    pub async fn store(&self) -> anyhow::Result<Store> {
        let url = match &self.database {
            Some(url) => url.clone(),
            None => {
                self.ensure_data_dir()?;
                format!("sqlite://{}", self.data_dir.join("keyward.db").display())
            }
        };
        let options = StoreOptions {
            max_keys_per_project: self.max_keys_per_project,
            max_connections: self
                .db_max_connections
                .unwrap_or_else(|| default_db_connections(self.sqlite_path().is_some())),
            statement_timeout: std::time::Duration::from_secs(self.db_statement_timeout.max(1)),
            transient_retries: self.db_retries,
            ..StoreOptions::default()
        };
        Store::open(&url, options)
            .await
            .with_context(|| format!("cannot open the database {}", redact_url(&url)))
    }

    /// Create the data directory (owner-only) if it does not exist.
    pub fn ensure_data_dir(&self) -> anyhow::Result<()> {
        create_data_dir(&self.data_dir)
    }

    /// The SQLite database file, or `None` for PostgreSQL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.database {
            None => Some(self.data_dir.join("keyward.db")),
            Some(url) => url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .map(|rest| PathBuf::from(rest.split('?').next().unwrap_or_default())),
        }
    }

    /// Where the master key comes from, for messages.
    pub fn master_key_source(&self) -> String {
        if std::env::var_os("KEYWARD_MASTER_KEY").is_some() {
            return "KEYWARD_MASTER_KEY".into();
        }
        self.master_key_file
            .clone()
            .unwrap_or_else(|| master_key::default_path(&self.data_dir))
            .display()
            .to_string()
    }

    pub fn master_key(&self, if_missing: IfMissing) -> anyhow::Result<MasterKey> {
        let file = self
            .master_key_file
            .clone()
            .unwrap_or_else(|| master_key::default_path(&self.data_dir));
        if if_missing == IfMissing::Create && self.master_key_file.is_none() {
            create_data_dir(&self.data_dir)?;
        }
        master_key::load(std::env::var("KEYWARD_MASTER_KEY").ok(), &file, if_missing)
    }
}

fn create_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))
}

/// The pool size when `--db-max-connections` is not given (see its help).
fn default_db_connections(sqlite: bool) -> u32 {
    if !sqlite {
        return 8;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    u32::try_from(cores.saturating_mul(2))
        .unwrap_or(8)
        .clamp(2, 8)
}

/// A database URL with any password removed, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }

    #[test]
    fn sqlite_pools_follow_the_cores_and_postgres_pools_do_not() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let expected = u32::try_from((2 * cores).clamp(2, 8)).unwrap();
        assert_eq!(default_db_connections(true), expected);
        assert_eq!(default_db_connections(false), 8);
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
