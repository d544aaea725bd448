//! The `fieldcheck` command: serve the API, run migrations, load demo data, manage users, import
//! registries and verify the audit chain.
#![forbid(unsafe_code)]

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use fieldcheck_api::{Config, config::Mode, state};
use fieldcheck_domain::Role;
use fieldcheck_store::{Store, audit, demo, import, users};
use std::net::TcpListener;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "fieldcheck",
    version,
    about = "Field verification and offline sync for poverty-alleviation assessment"
)]
struct Cli {
    /// Configuration file (TOML); FIELDCHECK_* environment variables override it.
    #[arg(long, global = true, env = "FIELDCHECK_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder: SQLite file, local blobs, development secrets [default: ./data].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (loads demo data into an empty development database).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080, or FIELDCHECK_BIND].
        #[arg(long)]
        bind: Option<String>,
        /// Do not load demo data into an empty database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load the Haikou demo data (idempotent).
    Demo,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import data from spreadsheets.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Audit-log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Photo storage tools.
    #[command(subcommand)]
    Media(MediaCommand),
}

#[derive(Subcommand)]
enum MediaCommand {
    /// Finds objects with no database row (deleted when older than the grace period) and stored
    /// photos whose objects are gone (set back to waiting for upload, so the phone sends them
    /// again). Safe beside a live server: an upload stores its objects before its row, so young
    /// unreferenced objects are left alone.
    Gc {
        /// Only report.
        #[arg(long)]
        dry_run: bool,
        /// Unreferenced objects younger than this are kept (uploads in flight).
        #[arg(long, default_value_t = 3600)]
        grace_secs: u64,
        /// Unfinished resumable uploads that received nothing for this many days are abandoned:
        /// their parts (rows and objects) are removed.
        #[arg(long, default_value_t = 7)]
        upload_grace_days: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input (or prompted for).
    Add {
        /// Sign-in name.
        username: String,
        /// Role: admin, office_reviewer, district_reviewer, inspector, surveyor, assessee.
        #[arg(long)]
        role: String,
        /// Display name [default: the user name].
        #[arg(long)]
        display_name: Option<String>,
        /// District code (district reviewers).
        #[arg(long)]
        district: Option<String>,
    },
    /// List users.
    List,
    /// Disable a user and revoke their sessions.
    Disable {
        /// Sign-in name.
        username: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Registered households, members, plans and pairings from a CSV or XLSX file.
    Households {
        /// The file (.csv or .xlsx).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and report the first broken entry, if any.
    Verify,
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(d) = &cli.data_dir {
        config.data_dir = d.clone();
    }
    Ok(config)
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    let secrets = state::resolve_secrets(config)?;
    Ok(state::open_store(config, &secrets).await?)
}

fn print_demo_accounts(base: &str) {
    println!("\nfieldcheck is listening on {base}  (API description: {base}/openapi.json)");
    println!("Office pages (reviewers, in a browser): {base}/ui/");
    println!("Demo accounts (password: {}):", demo::DEMO_PASSWORD);
    for a in demo::DEMO_ACCOUNTS {
        println!("  {:<18} {:<18} {}", a.username, a.role.as_str(), a.what);
    }
    println!("Sign in: curl -s -X POST {base}/auth/login -H 'content-type: application/json' \\");
    println!(
        "           -d '{{\"username\":\"admin\",\"password\":\"{}\"}}'\n",
        demo::DEMO_PASSWORD
    );
}

/// glibc gives each thread that allocates its own arena (up to 8 per core) and keeps what they
/// freed; file I/O and decoding run on many blocking threads, so 50 concurrent 8 MB uploads
/// took 578 MB resident against 234 MB with two arenas (`./dev bench-uploads`). The setting is
/// read only at process start, so the process starts itself again with it, unless the operator
/// chose a value.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    if let Ok(exe) = std::env::current_exe() {
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("MALLOC_ARENA_MAX", "2")
            .exec();
        // exec only returns on failure: go on with glibc's default.
        eprintln!("warning: could not restart with MALLOC_ARENA_MAX=2: {err}");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_malloc_arenas() {}

/// The exit status when SQLite's write lock stayed with another process: BSD's `EX_TEMPFAIL`,
/// "try again later".
const EXIT_BUSY: i32 = 75;

fn main() -> anyhow::Result<()> {
    bound_malloc_arenas();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run());
    match outcome {
        Err(e) if busy(&e) => {
            eprintln!(
                "fieldcheck: the database stayed locked by another writer for {} s \
                 (a server's long write, or another command); nothing was changed. Try again.",
                fieldcheck_store::db::SQLITE_BUSY_TIMEOUT.as_secs()
            );
            std::process::exit(EXIT_BUSY);
        }
        other => other,
    }
}

fn busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<fieldcheck_store::StoreError>(),
            Some(fieldcheck_store::StoreError::Busy)
        )
    })
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = load_config(&cli)?;
    let log_writer = fieldcheck_api::telemetry::init_tracing(&config.log.format, &config.log.level);
    for name in &config.ignored_env {
        tracing::warn!(variable = %name, "not a setting; ignored");
    }
    match cli.command {
        Command::Serve { bind, no_demo } => {
            let mut config = config;
            if let Some(b) = bind {
                config.bind = b;
            }
            let listener = TcpListener::bind(&config.bind)
                .with_context(|| format!("cannot listen on {}", config.bind))?;
            let scheme = if config.tls.files().is_some() {
                "https"
            } else {
                "http"
            };
            let base = format!("{scheme}://{}", listener.local_addr()?);
            let development = config.mode == Mode::Development;
            let app =
                fieldcheck_api::build_with(config, listener, fieldcheck_web::configure).await?;
            let mut demo_loaded = false;
            if development && !no_demo {
                let report = demo::load(&app.state.store).await?;
                demo_loaded = true;
                if report.loaded {
                    tracing::info!(households = report.households, "demo data loaded");
                }
            }
            if demo_loaded {
                print_demo_accounts(&base);
            } else {
                println!("fieldcheck is listening on {base}");
            }
            app.server.await?;
        }
        Command::Migrate => {
            open(&config).await?;
            println!("migrations applied");
        }
        Command::Demo => {
            let store = open(&config).await?;
            let r = demo::load(&store).await?;
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
        Command::User(cmd) => user_command(&config, cmd).await?,
        Command::Import(ImportCommand::Households { file }) => {
            let store = open(&config).await?;
            match import::import_households(&store, &file).await? {
                import::ImportOutcome::Imported(report) => {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                }
                import::ImportOutcome::Rejected(errors) => {
                    eprintln!(
                        "nothing was imported: {} row(s) have problems",
                        errors.len()
                    );
                    for e in &errors {
                        eprintln!(
                            "  line {}{}: {}",
                            e.line,
                            e.column
                                .as_deref()
                                .map(|c| format!(" [{c}]"))
                                .unwrap_or_default(),
                            e.reason
                        );
                    }
                    drop(log_writer); // exit skips destructors: write out queued lines first
                    std::process::exit(2);
                }
            }
        }
        Command::Media(MediaCommand::Gc {
            dry_run,
            grace_secs,
            upload_grace_days,
        }) => {
            let store = open(&config).await?;
            let blobs = fieldcheck_api::open_blobs(&config)?;
            let mut report = media_gc(&store, blobs.as_ref(), dry_run, grace_secs).await?;
            let uploads = uploads_gc(
                &store,
                blobs.as_ref(),
                dry_run,
                grace_secs,
                upload_grace_days,
            )
            .await?;
            if let (Some(r), serde_json::Value::Object(u)) = (report.as_object_mut(), uploads) {
                r.extend(u);
            }
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Audit(AuditCommand::Verify) => {
            let store = open(&config).await?;
            let report = audit::verify(&store.db).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.ok {
                drop(log_writer);
                std::process::exit(1);
            }
        }
    }
    Ok(())
}

async fn user_command(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    let store = open(config).await?;
    match cmd {
        UserCommand::Add {
            username,
            role,
            display_name,
            district,
        } => {
            let Some(role) = Role::parse(&role) else {
                bail!("unknown role {role}")
            };
            let password = if atty_stdin() {
                rpassword::prompt_password("password: ")?
            } else {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            };
            let hash = fieldcheck_store::password::hash(&password);
            let txn = store.write().await?;
            let u = users::create(
                &*txn,
                None,
                users::NewUser {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    password,
                    role,
                    district_code: district,
                    assessee_id: None,
                    unit_id: None,
                    village_ids: vec![],
                    household_ids: vec![],
                },
                hash,
            )
            .await
            .map_err(describe)?;
            txn.commit().await?;
            println!("created {} ({})", u.username, u.role);
        }
        UserCommand::List => {
            let mut page = fieldcheck_store::PageRequest::new(None, Some(500));
            loop {
                let p = users::list(&store.db, None, page).await?;
                for u in &p.items {
                    println!(
                        "{:<20} {:<18} {}{}",
                        u.username,
                        u.role.as_str(),
                        u.display_name,
                        if u.disabled { "  (disabled)" } else { "" }
                    );
                }
                match p.next_after {
                    Some(a) => page.after = Some(a),
                    None => break,
                }
            }
        }
        UserCommand::Disable { username } => {
            let Some(account) = users::account_by_username(&store.db, &username).await? else {
                bail!("no user {username}")
            };
            let txn = store.write().await?;
            users::update(
                &*txn,
                None,
                fieldcheck_domain::UserId(account.row.id),
                None,
                users::UserPatch {
                    disabled: Some(true),
                    ..Default::default()
                },
                None,
            )
            .await?;
            txn.commit().await?;
            println!("disabled {username}; their sessions are revoked");
        }
    }
    Ok(())
}

fn describe(e: fieldcheck_store::StoreError) -> anyhow::Error {
    match e {
        fieldcheck_store::StoreError::Invalid(v) => {
            anyhow::anyhow!(
                v.0.iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
        other => other.into(),
    }
}

fn atty_stdin() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

/// Removes abandoned uploads (no part newer than `upload_grace_days`: rows first, then their
/// objects) and part objects no row names (older than `grace_secs`: a node writes a part's object
/// before its row commits).
async fn uploads_gc(
    store: &Store,
    blobs: &dyn fieldcheck_media::BlobStore,
    dry_run: bool,
    grace_secs: u64,
    upload_grace_days: u64,
) -> anyhow::Result<serde_json::Value> {
    use fieldcheck_store::uploads;
    let age = std::time::Duration::from_secs(upload_grace_days.saturating_mul(86_400));
    let abandoned = uploads::abandoned(&store.db, age).await?;
    if !dry_run {
        for id in &abandoned {
            let parts = uploads::parts(&store.db, *id).await?;
            let txn = store.write().await?;
            uploads::forget(&*txn, *id).await?;
            txn.commit().await?;
            for p in parts {
                blobs.delete(&p.object_key).await?;
            }
        }
    }
    let named = uploads::part_keys(&store.db).await?;
    let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(grace_secs);
    let mut orphans = Vec::new();
    for o in blobs.list(fieldcheck_media::keys::UPLOADS_PREFIX).await? {
        if !named.contains(&o.key) && o.modified.is_none_or(|m| m < cutoff) {
            orphans.push(o.key);
        }
    }
    if !dry_run {
        for k in &orphans {
            blobs.delete(k).await?;
        }
    }
    Ok(serde_json::json!({
        "abandoned_uploads": abandoned.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "orphan_upload_parts": orphans,
    }))
}

async fn media_gc(
    store: &Store,
    blobs: &dyn fieldcheck_media::BlobStore,
    dry_run: bool,
    grace_secs: u64,
) -> anyhow::Result<serde_json::Value> {
    use fieldcheck_store::photos;
    let referenced = photos::referenced_keys(&store.db).await?;
    let mut objects = Vec::new();
    for prefix in fieldcheck_media::keys::PHOTO_PREFIXES {
        objects.extend(blobs.list(prefix).await?);
    }
    let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(grace_secs);
    let mut orphans = Vec::new();
    for o in &objects {
        // Derivatives and originals are shared by every record of the same bytes.
        if !referenced.contains(&o.key) && o.modified.is_none_or(|m| m < cutoff) {
            orphans.push(o.key.clone());
        }
    }
    if !dry_run {
        for k in &orphans {
            blobs.delete(k).await?;
        }
    }
    let present: std::collections::BTreeSet<&str> =
        objects.iter().map(|o| o.key.as_str()).collect();
    let mut missing = Vec::new();
    for p in photos::stored(&store.db).await? {
        let gone = [&p.original_key, &p.thumb_key, &p.screen_key]
            .iter()
            .any(|k| k.as_deref().is_none_or(|k| !present.contains(k)));
        if gone {
            missing.push(p.id.to_string());
            if !dry_run {
                let txn = store.write().await?;
                photos::mark_missing(&*txn, p).await?;
                txn.commit().await?;
            }
        }
    }
    Ok(serde_json::json!({
        "objects": objects.len(),
        "orphan_objects": orphans,
        "rows_missing_objects": missing,
        "dry_run": dry_run,
    }))
}
