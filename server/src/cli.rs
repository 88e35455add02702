//! The `orgraph` command line: `serve` (the default), `migrate`, `export-schema`, `token`,
//! `purge` and `seed`.

use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::auth::{OidcClient, TokenVerifier};
use crate::config::{DatabaseArgs, SignInArgs, TokenArgs, TreeArgs};
use crate::graphql::{build_schemas, export_sdl, schema_without_data};
use crate::http::sign_in::{SignIn, SignInMethod};
use crate::http::{serve, AppState};
use crate::service::seed::SeedOptions;
use crate::service::Services;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "orgraph",
    version,
    about = "Organizational hierarchies as a GraphQL API"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    tokens: TokenArgs,
    #[command(flatten)]
    tree: TreeArgs,
    #[command(flatten)]
    sign_in: SignInArgs,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations (the server also does on start).
    Migrate {
        /// Revert every migration instead (drops all data).
        #[arg(long)]
        revert_all: bool,
    },
    /// Print the GraphQL schema (SDL, with Federation directives).
    ExportSchema,
    /// Print a bearer token for a user, signed with the configured key (development, tests).
    Token {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Validity in hours.
        #[arg(long, default_value_t = 24)]
        ttl_hours: i64,
    },
    /// Remove for good the deletions whose retention is over.
    Purge,
    /// Build a synthetic network, for demos and benchmarks.
    Seed(SeedArgs),
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "ORGRAPH_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    bind: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "ORGRAPH_WORKERS", global = true)]
    workers: Option<usize>,
    /// Seconds between two purges of expired deletions; 0 disables the periodic purge.
    #[arg(
        long,
        env = "ORGRAPH_PURGE_INTERVAL_SECS",
        default_value_t = 3600,
        global = true
    )]
    purge_interval_secs: u64,
}

#[derive(Debug, Clone, Args)]
struct SeedArgs {
    /// Organizations in the network.
    #[arg(long, default_value_t = 1000)]
    organizations: u64,
    /// Depth of the deepest organization.
    #[arg(long, default_value_t = 20)]
    max_depth: i32,
    /// Children per organization in the bulk of the tree.
    #[arg(long, default_value_t = 10)]
    fanout: u32,
    /// Who becomes OPS_ADMIN of the network's root.
    #[arg(long, default_value = "seed@orgraph.local")]
    owner_email: String,
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Api(#[from] crate::service::ApiError),
    #[error("{0}")]
    Auth(#[from] crate::auth::AuthError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the Organization Connect signing key: {0}")]
    SigningKey(String),
}

pub fn run() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("orgraph: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORGRAPH_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn dispatch(cli: Cli) -> Result<(), CliError> {
    let url = cli.database.url();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run_server(
            &cli.database,
            &cli.tokens,
            &cli.tree,
            &cli.sign_in,
            &cli.serve,
        ),
        Command::Migrate { revert_all } => {
            let store = Store::connect(&url, 1)?;
            if revert_all {
                store.revert_all_migrations()?;
                tracing::info!(database = %url, "reverted every migration");
            } else {
                store.run_migrations()?;
                tracing::info!(database = %url, "migrations applied");
            }
            Ok(())
        }
        Command::ExportSchema => {
            print!("{}", export_sdl(&schema_without_data()));
            Ok(())
        }
        Command::Token {
            email,
            name,
            ttl_hours,
        } => {
            let keys = cli.tokens.keys(&url)?;
            let token = keys.issue_user_token(
                &email,
                name.as_deref(),
                Utc::now(),
                chrono::Duration::hours(ttl_hours.max(1)),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Purge => {
            let services = open(&cli.database, &cli.tree)?;
            let report = services.purge_expired_blocking(Utc::now())?;
            println!(
                "{}",
                json!({ "purgedOrganizations": report.organizations, "purgedNetworks": report.networks })
            );
            Ok(())
        }
        Command::Seed(args) => seed(&cli.database, &cli.tree, &args),
    }
}

/// Opens and migrates the database.
fn open(database: &DatabaseArgs, tree: &TreeArgs) -> Result<Services, CliError> {
    let store = Store::connect(&database.url(), database.pool_size.max(2))?;
    store.run_migrations()?;
    Ok(Services::new(store, tree.limits()))
}

fn run_server(
    database: &DatabaseArgs,
    tokens: &TokenArgs,
    tree: &TreeArgs,
    sign_in: &SignInArgs,
    args: &ServeArgs,
) -> Result<(), CliError> {
    let services = open(database, tree)?;
    let keys = tokens.verifier(&database.url())?;
    let connect = connect_keys(&services, sign_in, &args.bind)?;
    let sign_in = sign_in_method(tokens, sign_in, &keys, &database.url(), &args.bind);
    tracing::info!(database = %database.url(), "database ready");
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    let state = AppState {
        schemas: build_schemas(services.clone()),
        services: services.clone(),
        tokens: keys,
        sign_in,
        connect: std::sync::Arc::new(connect),
        persisted_queries: Default::default(),
    };
    let purge_every = args.purge_interval_secs;
    actix_web::rt::System::new().block_on(async move {
        if purge_every > 0 {
            actix_web::rt::spawn(purge_periodically(
                services,
                Duration::from_secs(purge_every),
            ));
        }
        serve(state, &args.bind, workers).await
    })?;
    Ok(())
}

/// The key Organization Connect signs access tokens with: the configured file, or the
/// development key kept in the database.
fn connect_keys(
    services: &Services,
    args: &SignInArgs,
    bind: &str,
) -> Result<crate::auth::connect_keys::ConnectKeys, CliError> {
    let pem = args
        .oauth_signing_key
        .as_ref()
        .map(std::fs::read_to_string)
        .transpose()?;
    services
        .connect_keys_blocking(pem.as_deref(), &args.public_url(bind))
        .map_err(CliError::SigningKey)
}

/// How people sign in to the pages: through the provider when Orgraph is its client, else
/// the development form where it is allowed, else not at all.
fn sign_in_method(
    tokens: &TokenArgs,
    args: &SignInArgs,
    verifier: &TokenVerifier,
    database: &crate::store::DatabaseUrl,
    bind: &str,
) -> SignIn {
    let public_url = args.public_url(bind);
    let method = match (verifier, &args.oidc_client_id, &args.oidc_client_secret) {
        (TokenVerifier::Oidc(verifier), Some(client_id), Some(client_secret)) => {
            SignInMethod::Provider {
                verifier: verifier.clone(),
                client: OidcClient {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    redirect_uri: format!("{public_url}/auth/callback"),
                },
            }
        }
        _ if args.dev_sign_in || tokens.uses_development_secret(database) => {
            tracing::warn!("the development sign-in is on: anyone can sign in as any email");
            SignInMethod::Development
        }
        _ => SignInMethod::Unavailable,
    };
    SignIn {
        method,
        lifetime: args.lifetime(),
        secure_cookies: public_url.starts_with("https://"),
    }
}

async fn purge_periodically(services: Services, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let services = services.clone();
        match tokio::task::spawn_blocking(move || services.purge_expired_blocking(Utc::now())).await
        {
            Ok(Ok(report)) if report.organizations > 0 => {
                tracing::info!(
                    organizations = report.organizations,
                    networks = report.networks,
                    "purged expired deletions"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "periodic purge failed"),
            Err(error) => tracing::error!(%error, "periodic purge panicked"),
        }
    }
}

fn seed(database: &DatabaseArgs, tree: &TreeArgs, args: &SeedArgs) -> Result<(), CliError> {
    let services = open(database, tree)?;
    let options = SeedOptions {
        organizations: args.organizations,
        max_depth: args.max_depth,
        fanout: args.fanout,
        owner_email: args.owner_email.clone(),
    };
    let bar = indicatif::ProgressBar::new(args.organizations);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} organizations ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let report =
        services.seed_network_blocking(&options, &|done| bar.set_position(done), Utc::now())?;
    bar.finish();
    println!(
        "{}",
        json!({
            "networkId": report.network_id.to_string(),
            "rootId": report.root_id.to_string(),
            "deepestId": report.deepest_id.to_string(),
            "deepestDepth": report.deepest_depth,
            "organizations": report.organizations,
            "ownerEmail": args.owner_email,
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}
