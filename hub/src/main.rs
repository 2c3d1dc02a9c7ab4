//! The `minwon-hub` command line: `demo`, `serve`, `check-config`, `audit`, `knowledge`,
//! `token`.

use anyhow::{Context, Result};

/// mimalloc instead of glibc malloc: the hub allocates per request and per source (decoded
/// answers, cases, masked strings); glibc's malloc/free were ~10% of its CPU under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};
use minwon_hub::access::auth::{Channel, Role, TokenMinter};
use minwon_hub::config::HubConfig;
use minwon_hub::config::keys;
#[cfg(feature = "demo")]
use minwon_hub::demo;
use minwon_hub::server;
use minwon_hub::telemetry::{self, LogFormat};
#[cfg(feature = "demo")]
use std::net::SocketAddr;
use std::path::PathBuf;

/// minwon-hub: one citizen-case gRPC API in front of every department back-end, with
/// authorization, masking and a tamper-evident access trail.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start simulated back-ends and the hub with the embedded audit store; writes
    /// demo-citizens.json, demo-tokens.json and demo-endpoints.json; runs until Ctrl-C.
    #[cfg(feature = "demo")]
    Demo {
        /// Folder for keys, the audit database and the demo files.
        #[arg(long, default_value = "minwon-data")]
        data_dir: PathBuf,
        /// Hub gRPC address (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:50051")]
        listen: SocketAddr,
        /// First simulator port; simulators use the following ports (0 picks free ports).
        #[arg(long, default_value_t = 18080)]
        sim_base_port: u16,
    },
    /// Serve with a config file until Ctrl-C or SIGTERM.
    Serve {
        /// The TOML config file (environment overrides: MINWON_<SECTION>__<KEY>).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Validate a config file (and every connector table in it) without starting.
    CheckConfig {
        /// The TOML config file.
        config: PathBuf,
    },
    /// The access trail, for auditors: verify, export, public key.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The consultation knowledge base: import, reload, review dates, offline check.
    Knowledge {
        #[command(subcommand)]
        command: KnowledgeCommand,
    },
    /// Mint a bearer token with the configured private key, or (`--citizen-rrn`) a demo
    /// verified-citizen assertion for SelfService.
    Token {
        /// Role: counselor, officer, auditor, chatbot, sms, admin.
        #[arg(long, value_parser = parse_role, required_unless_present = "citizen_rrn")]
        role: Option<Role>,
        /// Account id (the `sub` claim).
        #[arg(long, required_unless_present = "citizen_rrn")]
        sub: Option<String>,
        /// Mint a verified-citizen assertion for this RRN instead, signed by the demo's
        /// stand-in verification service (the config's citizen issuer with a
        /// `demo_signing_key_file`); lives 10 minutes unless --ttl-secs says otherwise.
        #[arg(long, conflicts_with_all = ["role", "sub", "dept"])]
        citizen_rrn: Option<String>,
        /// Department (required for officers).
        #[arg(long)]
        dept: Option<String>,
        /// Channel: phone, sms, chatbot, dong, web.
        #[arg(long, value_parser = parse_channel, default_value = "phone")]
        channel: Channel,
        /// Lifetime in seconds (default: the config's auth.token_ttl_secs).
        #[arg(long)]
        ttl_secs: Option<i64>,
        /// The config file naming the private key.
        #[arg(long, short, default_value = "minwon-data/demo-config.toml")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check every signed checkpoint, in the configured store or
    /// in an export bundle (offline, with only the public key). Exits non-zero and names the
    /// first bad sequence number when the trail was altered; a bundle also fails on a missing
    /// or invalid manifest signature, a tail no checkpoint covers, or a manifest mismatch.
    /// For the store, prints how many records lie after the last checkpoint.
    Verify {
        /// The hub config naming the store and the checkpoint key.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Verify this export bundle folder instead of the store.
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// Checkpoint public key (PEM or hex), e.g. from `audit public-key`.
        #[arg(long)]
        public_key: Option<PathBuf>,
        /// Checkpoints kept outside the database, to check the store against: the hub's JSON
        /// log lines as a log collector kept them (`audit_checkpoint` events; other lines are
        /// skipped) or a checkpoint file. Repeatable.
        #[arg(long, value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// The monthly access review of a month in Asia/Seoul: writes a printable Korean HTML
    /// report (A4, page numbers, the verification result and signing key id on the first
    /// page), a CSV (UTF-8 with BOM) and JSON into the folder. The review is itself recorded
    /// as an access first.
    Review {
        /// The hub config naming the store, the checkpoint key and `[audit.review]`.
        #[arg(long, short)]
        config: PathBuf,
        /// The month, YYYY-MM (KST).
        #[arg(long)]
        month: String,
        /// Output folder (created).
        #[arg(long)]
        out: PathBuf,
        /// Account recorded as reviewing (default: the OS user, $USER).
        #[arg(long)]
        account: Option<String>,
    },
    /// Write a bundle (records + checkpoints + signed manifest) an auditor can verify offline
    /// and open in a spreadsheet (CSV is UTF-8 with BOM). Needs the checkpoint signing key
    /// (`audit.checkpoint_key_file`): the bundle ends with a checkpoint signed now. The export
    /// is itself recorded as an access (action `export`) before the bundle is written.
    Export {
        /// The hub config naming the store and the checkpoint key.
        #[arg(long, short)]
        config: PathBuf,
        /// Start of the time range (RFC 3339, or YYYY-MM-DD: that day's KST midnight), inclusive.
        #[arg(long)]
        from: Option<String>,
        /// End of the time range (RFC 3339, or YYYY-MM-DD: that day's KST midnight), exclusive.
        #[arg(long)]
        to: Option<String>,
        /// jsonl or csv.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Output folder (created).
        #[arg(long)]
        out: PathBuf,
        /// Account recorded as exporting (default: the OS user, $USER).
        #[arg(long)]
        account: Option<String>,
        /// Purpose code recorded: citizen_inquiry, case_handling, payment_guidance,
        /// audit_review, system_operation.
        #[arg(long, default_value = "audit_review")]
        purpose: String,
        /// Purpose note recorded (e.g. the review ticket); no personal data.
        #[arg(long)]
        purpose_note: Option<String>,
    },
    /// Print the checkpoint public key (PEM) auditors verify with.
    PublicKey {
        /// The hub config naming the checkpoint key.
        #[arg(long, short)]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum KnowledgeCommand {
    /// Sends a base file to a running hub, which checks it, indexes it, writes it to its
    /// configured `[knowledge] file` and serves it without a restart (admin role).
    Import {
        /// The base file (TOML `[[entry]]`s, as hub/knowledge/base.toml).
        file: PathBuf,
        #[command(flatten)]
        target: minwon_hub::cli::knowledge::HubTarget,
    },
    /// Asks a running hub to re-read its configured base file now.
    Reload {
        #[command(flatten)]
        target: minwon_hub::cli::knowledge::HubTarget,
    },
    /// Lists, as CSV, the active entries past their review date (admin role).
    Due {
        /// Judge by this day (YYYY-MM-DD) instead of today.
        #[arg(long)]
        as_of: Option<String>,
        /// At most this many entries (1 to 1000).
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[command(flatten)]
        target: minwon_hub::cli::knowledge::HubTarget,
    },
    /// Checks and indexes a base file offline, as the hub would before serving it.
    Check {
        /// The base file.
        file: PathBuf,
    },
    /// Write the knowledge-gap report (searches that found nothing or only weak hits,
    /// scrubbed of personal data) as knowledge-gaps.html and knowledge-gaps.csv.
    Gaps {
        /// The hub config naming the store (the access trail's database).
        #[arg(long, short)]
        config: PathBuf,
        /// Start (YYYY-MM-DD in KST, or RFC 3339), inclusive.
        #[arg(long)]
        from: Option<String>,
        /// End (YYYY-MM-DD in KST, or RFC 3339), exclusive.
        #[arg(long)]
        to: Option<String>,
        /// Most frequent gaps to list.
        #[arg(long, default_value_t = 500)]
        limit: usize,
        /// Output folder (created).
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse_staff(s)
        .ok_or_else(|| "one of: counselor, officer, auditor, chatbot, sms, admin".to_string())
}

fn parse_channel(s: &str) -> Result<Channel, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| "one of: phone, sms, chatbot, dong, web".to_string())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    // One rustls provider (ring) for every client that does not bring its own configuration.
    minwon_connector_sdk::tls::install_crypto_provider();
    let format = cli.log_format;
    match cli.command {
        #[cfg(feature = "demo")]
        Command::Demo {
            data_dir,
            listen,
            sim_base_port,
        } => {
            demo::run(
                demo::DemoOptions {
                    data_dir,
                    listen,
                    sim_base_port,
                },
                format,
            )
            .await
        }
        Command::Serve { config } => {
            let cfg = HubConfig::load(&config)?;
            let telemetry = telemetry::init(format, Some(&cfg.telemetry))?;
            let hub = server::build_hub(&cfg).await?;
            let grpc = tokio::net::TcpListener::bind(cfg.server.listen)
                .await
                .with_context(|| format!("binding {}", cfg.server.listen))?;
            let metrics = server::bind_metrics(&cfg).await?;
            let health = server::bind_health(&cfg).await?;
            tracing::info!(addr = %grpc.local_addr()?, "minwon-hub serving");
            let result = server::serve(
                hub,
                server::Listeners {
                    grpc,
                    metrics,
                    health,
                },
                &cfg.server,
                server::shutdown_signal(),
            )
            .await;
            telemetry.shutdown();
            result
        }
        Command::Audit { command } => {
            telemetry::init(format, None)?;
            match command {
                AuditCommand::Verify {
                    config,
                    bundle,
                    public_key,
                    checkpoints,
                } => {
                    let ok = minwon_hub::cli::audit::verify(
                        config.as_deref(),
                        bundle.as_deref(),
                        public_key.as_deref(),
                        &checkpoints,
                    )
                    .await?;
                    if !ok {
                        std::process::exit(1);
                    }
                    Ok(())
                }
                AuditCommand::Export {
                    config,
                    from,
                    to,
                    format,
                    out,
                    account,
                    purpose,
                    purpose_note,
                } => {
                    let opts = minwon_hub::cli::audit::ExportOptions {
                        from,
                        to,
                        format,
                        out,
                        account,
                        purpose: Some(purpose),
                        purpose_note,
                    };
                    minwon_hub::cli::audit::export(&config, &opts).await
                }
                AuditCommand::Review {
                    config,
                    month,
                    out,
                    account,
                } => minwon_hub::cli::review::review(&config, &month, &out, account).await,
                AuditCommand::PublicKey { config } => minwon_hub::cli::audit::public_key(&config),
            }
        }
        Command::Knowledge { command } => {
            telemetry::init(format, None)?;
            use minwon_hub::cli::knowledge as k;
            match command {
                KnowledgeCommand::Import { file, target } => k::import(&target, Some(&file)).await,
                KnowledgeCommand::Reload { target } => k::import(&target, None).await,
                KnowledgeCommand::Due {
                    as_of,
                    limit,
                    target,
                } => k::due(&target, as_of.as_deref(), limit).await,
                KnowledgeCommand::Check { file } => k::check(&file),
                KnowledgeCommand::Gaps {
                    config,
                    from,
                    to,
                    limit,
                    out,
                } => {
                    minwon_hub::guidance::gaps::cli::export(
                        &config,
                        from.as_deref(),
                        to.as_deref(),
                        limit,
                        &out,
                    )
                    .await
                }
            }
        }
        Command::CheckConfig { config } => {
            telemetry::init(format, None)?;
            let cfg = HubConfig::load(&config)?;
            let registry = minwon_hub::fanout::registry::Registry::from_config(
                &cfg.connectors,
                &cfg.resilience,
            )?;
            server::load_policy(&cfg)?;
            keys::read_public_key(&cfg.auth.jwt_public_key_file)?;
            if cfg.audit.checkpoints {
                minwon_hub::trail::required_checkpoint_key(&cfg.audit, "audit.checkpoints")?;
            }
            for warning in cfg.warnings() {
                eprintln!("warning: {warning}");
            }
            if let Some(tls) = &cfg.server.tls {
                tls.load()?;
            }
            // The store as an operator may see it: the URL with its password masked.
            if minwon_hub::trail::postgres_store(&cfg.audit)?.is_some()
                && let Some(url) = &cfg.audit.postgres_url
            {
                println!(
                    "audit store: PostgreSQL {}",
                    minwon_hub::config::redacted_url(url)
                );
            }
            if cfg.knowledge.index {
                minwon_hub::guidance::knowledge::KnowledgeStore::open(&cfg.knowledge)?;
                if let Some(name) = &cfg.knowledge.sync_from
                    && !registry.knowledge.iter().any(|(n, _, _)| n == name)
                {
                    anyhow::bail!(
                        "knowledge.sync_from: no configured connector `{name}` serves knowledge"
                    );
                }
            }
            println!(
                "{}: OK ({} connector(s))",
                config.display(),
                cfg.connectors.len()
            );
            Ok(())
        }
        Command::Token {
            role,
            sub,
            dept,
            channel,
            ttl_secs,
            config,
            citizen_rrn,
        } => {
            telemetry::init(format, None)?;
            let cfg = HubConfig::load(&config)?;
            if let Some(rrn) = citizen_rrn {
                let ttl = ttl_secs.unwrap_or(600);
                println!("{}", citizen_token(&cfg, &rrn, channel, ttl)?);
                return Ok(());
            }
            let (role, sub) = (
                role.context("--role is required")?,
                sub.context("--sub is required")?,
            );
            let key_file = cfg
                .auth
                .jwt_private_key_file
                .as_deref()
                .context("auth.jwt_private_key_file is not set in the config")?;
            let minter = TokenMinter::new(
                &keys::read_signing_key(key_file)?,
                &cfg.auth.issuer,
                &cfg.auth.audience,
            )?;
            if role == Role::Officer && dept.is_none() {
                anyhow::bail!("--dept is required for officers");
            }
            let ttl = ttl_secs.unwrap_or(cfg.auth.token_ttl_secs as i64);
            println!(
                "{}",
                minter.mint(&sub, role, dept.as_deref(), channel, ttl)?
            );
            Ok(())
        }
    }
}

/// A verified-citizen assertion for `rrn`, signed by the demo's stand-in verification service.
#[cfg(feature = "demo")]
fn citizen_token(cfg: &HubConfig, rrn: &str, channel: Channel, ttl: i64) -> Result<String> {
    let rrn = minwon_connector_sdk::Rrn::parse(rrn)
        .map_err(|e| anyhow::anyhow!("--citizen-rrn: {}", e.reason))?;
    let minter = demo::citizen_minter(cfg)?;
    minter.mint_citizen(&rrn, &["pass"], channel, ttl)
}

/// Without the demo there is no stand-in verification service to sign for.
#[cfg(not(feature = "demo"))]
fn citizen_token(_cfg: &HubConfig, _rrn: &str, _channel: Channel, _ttl: i64) -> Result<String> {
    anyhow::bail!(
        "--citizen-rrn mints for the demo's verification service; this build has no demo \
         (built without the `demo` feature)"
    )
}
