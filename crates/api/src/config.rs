//! Configuration in layers: defaults in code, then a TOML file, then `FIELDCHECK_*` environment
//! variables (`__` separates a section from a key), then command-line flags. Secrets are held in
//! [`Secret`], whose `Debug` prints nothing.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How strict start-up is about secrets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Missing secrets are generated once into the data folder, so a fresh checkout just runs.
    #[default]
    Development,
    /// Missing secrets are a start-up error.
    Production,
}

/// A value that must never reach a log line.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

/// Serialised only to list the settings' names (see [`Config::load`]): the value never leaves.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Everything the server is configured with.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Development or production.
    pub mode: Mode,
    /// Address to listen on.
    pub bind: String,
    /// Folder for the SQLite file, local blobs and generated development secrets.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: a SQLite file in `data_dir`.
    pub database_url: Option<Secret>,
    /// Public base URL (used in messages and, later, signed links).
    pub public_url: Option<String>,
    /// Sign-in tokens.
    pub auth: AuthConfig,
    /// Personal-data encryption.
    pub pii: PiiConfig,
    /// Blob storage.
    pub blob: BlobConfig,
    /// Request limits.
    pub limits: Limits,
    /// Evidence checks.
    pub media: MediaConfig,
    /// Logging.
    pub log: LogConfig,
    /// The office's pages.
    pub web: WebConfig,
    /// The in-process read cache.
    pub cache: CacheConfig,
    /// HTTPS served by fieldcheck itself.
    pub tls: TlsConfig,
    /// `FIELDCHECK_*` environment variables that name no setting: ignored, and reported once
    /// logging is up (a script's own variable must not stop the server).
    #[serde(skip)]
    pub ignored_env: Vec<String>,
}

/// The in-process read cache (see `fieldcheck_store::cache`): writes made by this server are seen
/// at once; on PostgreSQL, those of other servers and the CLI as soon as their `NOTIFY` arrives
/// (`fieldcheck_store::peers`); on SQLite, the CLI's within `ttl_ms`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// How long a cached read lives, in milliseconds; 0 turns caching off.
    pub ttl_ms: u64,
    /// How many entries each cache holds.
    pub max_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            ttl_ms: fieldcheck_store::db::DEFAULT_CACHE_TTL.as_millis() as u64,
            max_entries: fieldcheck_store::db::DEFAULT_CACHE_ENTRIES,
        }
    }
}

/// HTTPS terminated by `serve` itself (rustls), for a deployment without a reverse proxy: the
/// phones' app needs a secure context (service worker, camera, position). Both files or neither;
/// neither serves plain HTTP (behind a proxy that terminates TLS, or on localhost). The files are
/// read again on SIGHUP, so a renewed certificate is served without a restart.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file: the server's certificate first, then its chain.
    pub cert_path: Option<PathBuf>,
    /// PEM file: the private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: Option<PathBuf>,
}

impl TlsConfig {
    /// The two files, when HTTPS is on.
    pub fn files(&self) -> Option<(&Path, &Path)> {
        Some((self.cert_path.as_deref()?, self.key_path.as_deref()?))
    }

    fn check(&self) -> Result<(), ConfigError> {
        match (&self.cert_path, &self.key_path) {
            (Some(_), None) | (None, Some(_)) => Err(ConfigError::Invalid(
                "tls.cert_path and tls.key_path go together: set both to serve HTTPS, or neither"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

/// The office's pages (`/ui`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Map tiles, e.g. `https://t0.tianditu.gov.cn/vec_w/wmts?…&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY`
    /// or an internal tile server; none: points over an empty background (closed networks).
    pub tile_url: Option<String>,
    /// The datum the tiles are drawn in: `wgs84`, or `gcj02` for Chinese basemaps (points are
    /// converted from the phones' WGS-84 before drawing).
    pub tile_datum: String,
    /// Attribution shown under the map.
    pub tile_attribution: Option<String>,
    /// Session cookies carry `Secure`; default: on in production (serve behind TLS).
    pub secure_cookies: Option<bool>,
    /// A sign-in lasts this long without activity limits.
    pub session_ttl_secs: u64,
    /// The offset the pages show times in: Beijing time (`+08:00`, no daylight saving) unless
    /// set otherwise. Data are stored and exchanged in UTC.
    pub utc_offset: UtcOffset,
}

/// A fixed offset from UTC, written `+08:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcOffset(pub chrono::FixedOffset);

impl Default for UtcOffset {
    fn default() -> Self {
        UtcOffset(chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!()))
    }
}

impl<'de> Deserialize<'de> for UtcOffset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<chrono::FixedOffset>()
            .map(UtcOffset)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an offset like +08:00")))
    }
}

impl Serialize for UtcOffset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            tile_url: None,
            tile_datum: "wgs84".into(),
            tile_attribution: None,
            secure_cookies: None,
            session_ttl_secs: 8 * 3600,
            utc_offset: UtcOffset::default(),
        }
    }
}

/// Token settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `iss` of issued tokens.
    pub issuer: String,
    /// `aud` of issued tokens.
    pub audience: String,
    /// Access-token lifetime.
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime.
    pub refresh_ttl_secs: u64,
    /// A spent refresh token presented again this soon after its first use, while its successor
    /// is still unused, is rotated again (the answer was lost on the way) instead of revoking
    /// the device's sign-in as a stolen copy; 0 turns this off.
    pub refresh_retry_secs: u64,
    /// `kid:base64secret[,kid:base64secret…]`; the first signs, all verify.
    pub signing_keys: Option<Secret>,
}

/// Personal-data key.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PiiConfig {
    /// Base64 of 32 random bytes.
    pub key: Option<Secret>,
    /// Satisfaction counts over fewer answers than this are withheld from assessees (and from
    /// the published results' explanations), so a count cannot tell one household's answer.
    pub min_count: u64,
}

impl Default for PiiConfig {
    fn default() -> Self {
        PiiConfig {
            key: None,
            min_count: fieldcheck_domain::assessment::DEFAULT_MIN_COUNT,
        }
    }
}

/// Where blobs go.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlobConfig {
    /// `local` or `s3`.
    pub kind: String,
    /// Folder of the local store; default `data_dir/blobs`.
    pub path: Option<PathBuf>,
    /// S3 endpoint URL.
    pub s3_endpoint: Option<String>,
    /// S3 bucket.
    pub s3_bucket: Option<String>,
    /// S3 region.
    pub s3_region: Option<String>,
    /// Path-style addressing (Garage, MinIO).
    pub s3_path_style: bool,
    /// Access key id; default: `AWS_ACCESS_KEY_ID`.
    pub s3_access_key: Option<Secret>,
    /// Secret key; default: `AWS_SECRET_ACCESS_KEY`.
    pub s3_secret_key: Option<Secret>,
}

/// Evidence checks.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// EXIF position further than this from the household is flagged.
    pub far_from_household_m: f64,
    /// EXIF position and device fix further apart than this are flagged.
    pub device_mismatch_m: f64,
    /// Device accuracy worse than this is flagged.
    pub poor_accuracy_m: f64,
    /// Capture further than this from the visit's start is outside the window.
    pub visit_window_hours: i64,
    /// A capture this many days before receipt is outside any assessment window.
    pub max_age_days: i64,
    /// Photos decoded at the same time (decoding is CPU-bound: about the number of cores).
    pub decode_workers: usize,
}

impl Default for MediaConfig {
    fn default() -> Self {
        let t = fieldcheck_domain::evidence::Thresholds::default();
        MediaConfig {
            far_from_household_m: t.far_from_household_m,
            device_mismatch_m: t.device_mismatch_m,
            poor_accuracy_m: t.poor_accuracy_m,
            visit_window_hours: t.visit_window_hours,
            max_age_days: t.max_age_days,
            decode_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

impl MediaConfig {
    /// The thresholds of the flag rules.
    pub fn thresholds(&self) -> fieldcheck_domain::evidence::Thresholds {
        fieldcheck_domain::evidence::Thresholds {
            far_from_household_m: self.far_from_household_m,
            device_mismatch_m: self.device_mismatch_m,
            poor_accuracy_m: self.poor_accuracy_m,
            visit_window_hours: self.visit_window_hours,
            max_age_days: self.max_age_days,
        }
    }
}

/// Request limits.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest JSON body.
    pub json_body_bytes: usize,
    /// Largest upload.
    pub upload_bytes: usize,
    /// How long a connection may take to send a request's head (line and headers), in seconds;
    /// then it is answered 408 and closed.
    pub request_head_secs: u64,
    /// How long a body may send nothing before the request ends, in seconds: a JSON body is
    /// answered `408 request-timeout`, an upload chunk keeps what arrived (resume from `HEAD`).
    pub body_idle_secs: u64,
    /// How long an idle keep-alive connection stays open, in seconds.
    pub keep_alive_secs: u64,
}

/// Logging.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `json` (default) or `pretty`.
    pub format: String,
    /// `tracing` filter, e.g. `info,fieldcheck_api=debug`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Development,
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            public_url: None,
            auth: AuthConfig::default(),
            pii: PiiConfig::default(),
            blob: BlobConfig::default(),
            limits: Limits::default(),
            media: MediaConfig::default(),
            log: LogConfig::default(),
            web: WebConfig::default(),
            cache: CacheConfig::default(),
            tls: TlsConfig::default(),
            ignored_env: Vec::new(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: "fieldcheck".into(),
            audience: "fieldcheck-api".into(),
            access_ttl_secs: 900,
            refresh_ttl_secs: 30 * 24 * 3600,
            refresh_retry_secs: 120,
            signing_keys: None,
        }
    }
}

impl Default for BlobConfig {
    fn default() -> Self {
        BlobConfig {
            kind: "local".into(),
            path: None,
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: None,
            s3_path_style: true,
            s3_access_key: None,
            s3_secret_key: None,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_body_bytes: 1024 * 1024,
            upload_bytes: 25 * 1024 * 1024,
            request_head_secs: 10,
            body_idle_secs: 30,
            keep_alive_secs: 15,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "json".into(),
            level: "info".into(),
        }
    }
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file or the environment holds an invalid value.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// A secret is required in production.
    #[error("{0} must be set in production mode (see deploy/fieldcheck.example.toml)")]
    MissingSecret(&'static str),
}

fn env_value(raw: &str) -> toml::Value {
    if let Ok(i) = raw.parse::<i64>()
        && raw.len() < 16
    {
        return toml::Value::Integer(i);
    }
    match raw {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(raw.to_owned()),
    }
}

/// Every setting's path (`["auth", "access_ttl_secs"]`), read off the defaults.
fn setting_paths() -> std::collections::BTreeSet<Vec<String>> {
    fn walk(
        prefix: &mut Vec<String>,
        v: &serde_json::Value,
        out: &mut std::collections::BTreeSet<Vec<String>>,
    ) {
        match v {
            serde_json::Value::Object(m) if !prefix.is_empty() || !m.is_empty() => {
                for (k, v) in m {
                    prefix.push(k.clone());
                    walk(prefix, v, out);
                    prefix.pop();
                }
            }
            _ => {
                out.insert(prefix.clone());
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    if let Ok(v) = serde_json::to_value(Config::default()) {
        walk(&mut Vec::new(), &v, &mut out);
    }
    out
}

impl Config {
    /// Loads the file (if any) and overlays `vars` (the process environment in production use).
    pub fn load(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut root = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Invalid(e.to_string()))?
            }
            None => toml::Table::new(),
        };
        // The file is strict (a typo there is an operator's mistake to report); the environment
        // is shared with scripts and tools, so only names of settings are taken from it.
        let known = setting_paths();
        let mut ignored_env = Vec::new();
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix("FIELDCHECK_") else {
                continue;
            };
            if rest == "CONFIG" {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            if !known.contains(&path) {
                ignored_env.push(name);
                continue;
            }
            let mut table = &mut root;
            for section in &path[..path.len() - 1] {
                let entry = table
                    .entry(section.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = match entry {
                    toml::Value::Table(t) => t,
                    _ => {
                        return Err(ConfigError::Invalid(format!(
                            "{name}: {section} is not a section"
                        )));
                    }
                };
            }
            table.insert(path[path.len() - 1].clone(), env_value(&value));
        }
        let mut config = toml::Value::Table(root)
            .try_into::<Config>()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.ignored_env = ignored_env;
        config.check_log()?;
        config.tls.check()?;
        Ok(config)
    }

    /// A log setting that does not parse is an error here, not a quiet fall-back to the
    /// defaults once logging starts.
    fn check_log(&self) -> Result<(), ConfigError> {
        if !matches!(self.log.format.as_str(), "json" | "pretty") {
            return Err(ConfigError::Invalid(format!(
                "log.format {:?}: use \"json\" or \"pretty\"",
                self.log.format
            )));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map(|_| ())
            .map_err(|e| ConfigError::Invalid(format!("log.level {:?}: {e}", self.log.level)))
    }

    /// The database URL, defaulting to a SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.0.is_empty() => url.0.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("fieldcheck.sqlite").display()
            ),
        }
    }

    /// Folder of the local blob store.
    pub fn blob_path(&self) -> PathBuf {
        self.blob
            .path
            .clone()
            .unwrap_or_else(|| self.data_dir.join("blobs"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_over_file_and_nests() {
        let dir = std::env::temp_dir().join(format!("fc-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:1\"\n[auth]\naccess_ttl_secs = 60\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&file),
            [
                ("FIELDCHECK_BIND".to_owned(), "127.0.0.1:9".to_owned()),
                ("FIELDCHECK_AUTH__ISSUER".to_owned(), "x".to_owned()),
                ("OTHER".to_owned(), "y".to_owned()),
            ],
        )
        .unwrap();
        assert_eq!(c.bind, "127.0.0.1:9");
        assert_eq!(c.auth.access_ttl_secs, 60);
        assert_eq!(c.auth.issuer, "x");
        assert_eq!(c.mode, Mode::Development);
        assert!(
            format!("{:?}", Secret("hunter2".into()))
                .find("hunter2")
                .is_none()
        );
    }

    /// The README promises that deploy/fieldcheck.example.toml shows every key: each setting is
    /// there, set or commented out (`# key = …`), and the example as written loads.
    #[test]
    fn the_example_configuration_shows_every_setting() {
        let text = include_str!("../../../deploy/fieldcheck.example.toml");
        let dir = std::env::temp_dir().join(format!("fc-config-example-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("example.toml");
        std::fs::write(&file, text).unwrap();
        Config::load(Some(&file), []).unwrap();
        let mut shown = std::collections::BTreeSet::new();
        let mut section: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = vec![name.to_owned()];
                continue;
            }
            let setting = line.strip_prefix("# ").unwrap_or(line);
            if let Some((key, _)) = setting.split_once(" = ")
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                let mut path = section.clone();
                path.push(key.to_owned());
                shown.insert(path);
            }
        }
        let missing: Vec<_> = setting_paths().difference(&shown).cloned().collect();
        assert!(missing.is_empty(), "not in the example: {missing:?}");
    }

    #[test]
    fn unknown_keys_are_errors_in_the_file_and_ignored_in_the_environment() {
        let dir = std::env::temp_dir().join(format!("fc-config-strict-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "bindd = \"0.0.0.0:1\"\n").unwrap();
        assert!(Config::load(Some(&file), []).is_err());
        let c = Config::load(
            None,
            [
                (
                    "FIELDCHECK_BIN".to_owned(),
                    "/usr/bin/fieldcheck".to_owned(),
                ),
                ("FIELDCHECK_AUTH__NOPE".to_owned(), "1".to_owned()),
                ("FIELDCHECK_PII__MIN_COUNT".to_owned(), "7".to_owned()),
                (
                    "FIELDCHECK_DATABASE_URL".to_owned(),
                    "sqlite://x".to_owned(),
                ),
            ],
        )
        .unwrap();
        assert_eq!(c.ignored_env, ["FIELDCHECK_BIN", "FIELDCHECK_AUTH__NOPE"]);
        assert_eq!(c.pii.min_count, 7);
        assert_eq!(c.database_url(), "sqlite://x");
        // A wrong value of a real setting is still an error, log settings included.
        for (name, value) in [
            ("FIELDCHECK_LOG__LEVEL", "info,fieldcheck=loud"),
            ("FIELDCHECK_LOG__FORMAT", "xml"),
        ] {
            assert!(
                Config::load(None, [(name.to_owned(), value.to_owned())]).is_err(),
                "{name}"
            );
        }
        assert!(
            Config::load(
                None,
                [("FIELDCHECK_PII__MIN_COUNT".to_owned(), "x".to_owned())]
            )
            .is_err()
        );
    }
}
