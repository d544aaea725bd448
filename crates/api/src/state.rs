//! What every request shares, and how it is assembled from configuration.

use crate::auth::{TokenKeys, parse_keys};
use crate::config::{Config, ConfigError, Mode};
use crate::extract::{CursorKey, RenderedBodies};
use crate::telemetry::Metrics;
use base64::{Engine, engine::general_purpose::STANDARD};
use fieldcheck_domain::HouseholdId;
use fieldcheck_media::BlobStore;
use fieldcheck_store::registry::HouseholdDetail;
use fieldcheck_store::{PiiCipher, Store};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::sync::Arc;

/// Shared state of the app.
pub struct AppState {
    /// Database.
    pub store: Store,
    /// Photo bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Token keys.
    pub tokens: TokenKeys,
    /// Signs list cursors.
    pub cursors: CursorKey,
    /// Request metrics.
    pub metrics: Arc<Metrics>,
    /// The configuration.
    pub config: Config,
    /// Bounds how many photos are decoded at once (memory stays bounded under load).
    pub decode_permits: Arc<tokio::sync::Semaphore>,
    /// Bounds how many completed uploads are being finished at once: each holds its whole file,
    /// its decoded picture and its derivatives in memory while it is checked and stored, so 50
    /// phones finishing together must queue here rather than take 50 times that memory.
    pub finish_permits: Arc<tokio::sync::Semaphore>,
    /// Households' JSON bodies and ETags, kept beside the store's cached records.
    pub household_bodies: RenderedBodies<HouseholdId, HouseholdDetail>,
}

/// The secrets the server needs, resolved from configuration.
pub struct Secrets {
    /// Token signing keys (`kid`, bytes); the first signs.
    pub signing_keys: Vec<(String, Vec<u8>)>,
    /// Master key for personal data.
    pub pii_key: [u8; 32],
}

fn random_b64() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    STANDARD.encode(b)
}

/// Resolves secrets: from configuration, or in development mode from (or into) a file in the data
/// folder, so that restarts keep sessions and encrypted data readable.
pub fn resolve_secrets(config: &Config) -> Result<Secrets, ConfigError> {
    let mut signing = config
        .auth
        .signing_keys
        .as_ref()
        .map(|s| s.0.clone())
        .filter(|s| !s.is_empty());
    let mut pii = config
        .pii
        .key
        .as_ref()
        .map(|s| s.0.clone())
        .filter(|s| !s.is_empty());
    if config.mode == Mode::Production {
        if signing.is_none() {
            return Err(ConfigError::MissingSecret(
                "auth.signing_keys (FIELDCHECK_AUTH__SIGNING_KEYS)",
            ));
        }
        if pii.is_none() {
            return Err(ConfigError::MissingSecret("pii.key (FIELDCHECK_PII__KEY)"));
        }
    } else if signing.is_none() || pii.is_none() {
        let file = config.data_dir.join("dev-secrets.toml");
        let io = |e: std::io::Error| ConfigError::Read {
            path: file.clone(),
            source: e,
        };
        let mut table: toml::Table = match std::fs::read_to_string(&file) {
            Ok(t) => t
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
            Err(e) => return Err(io(e)),
        };
        let mut changed = false;
        for (key, slot, make) in [
            (
                "signing_keys",
                &mut signing,
                (|| format!("dev-1:{}", random_b64())) as fn() -> String,
            ),
            ("pii_key", &mut pii, random_b64 as fn() -> String),
        ] {
            if slot.is_none() {
                let v = match table.get(key).and_then(|v| v.as_str()) {
                    Some(v) => v.to_owned(),
                    None => {
                        changed = true;
                        let v = make();
                        table.insert(key.into(), toml::Value::String(v.clone()));
                        v
                    }
                };
                *slot = Some(v);
            }
        }
        if changed {
            std::fs::create_dir_all(&config.data_dir).map_err(io)?;
            write_private(&file, &toml::to_string(&table).unwrap_or_default()).map_err(io)?;
        }
    }
    let signing_keys =
        parse_keys(signing.as_deref().unwrap_or_default()).map_err(ConfigError::Invalid)?;
    let pii_bytes = STANDARD
        .decode(pii.unwrap_or_default().trim())
        .map_err(|_| ConfigError::Invalid("pii.key is not base64".into()))?;
    let pii_key: [u8; 32] = pii_bytes
        .try_into()
        .map_err(|_| ConfigError::Invalid("pii.key must be 32 bytes".into()))?;
    Ok(Secrets {
        signing_keys,
        pii_key,
    })
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Opens the database with the PII key from `secrets`.
pub async fn open_store(
    config: &Config,
    secrets: &Secrets,
) -> Result<Store, fieldcheck_store::StoreError> {
    if config.database_url().starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| fieldcheck_store::StoreError::File(e.to_string()))?;
    }
    let store = Store::open(&config.database_url(), PiiCipher::new(&secrets.pii_key)).await?;
    Ok(store.with_cache(
        std::time::Duration::from_millis(config.cache.ttl_ms),
        config.cache.max_entries,
    ))
}

impl AppState {
    /// Assembles the state.
    pub fn new(
        config: Config,
        secrets: &Secrets,
        store: Store,
        blobs: Arc<dyn BlobStore>,
    ) -> AppState {
        let first = secrets
            .signing_keys
            .first()
            .map(|k| k.1.clone())
            .unwrap_or_default();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&first).unwrap_or_else(|_| unreachable!());
        mac.update(b"fieldcheck/cursor/v1");
        let cursor_key: [u8; 32] = mac.finalize().into_bytes().into();
        AppState {
            household_bodies: RenderedBodies::new(
                store.freshness.clone(),
                config.cache.max_entries,
            ),
            store,
            blobs,
            tokens: TokenKeys::new(
                secrets.signing_keys.clone(),
                config.auth.issuer.clone(),
                config.auth.audience.clone(),
                config.auth.access_ttl_secs,
                config.auth.refresh_ttl_secs,
            ),
            cursors: CursorKey(cursor_key),
            metrics: Arc::new(Metrics::default()),
            decode_permits: Arc::new(tokio::sync::Semaphore::new(
                config.media.decode_workers.max(1),
            )),
            // Twice the decoders: while some decode, others hash or wait on the object store.
            finish_permits: Arc::new(tokio::sync::Semaphore::new(
                2 * config.media.decode_workers.max(1),
            )),
            config,
        }
    }
}
