//! HTTPS served by fieldcheck itself: rustls with the *ring* provider (the one the database
//! driver already builds; no second crypto library), the certificate read from PEM files and read
//! again on SIGHUP. A renewal tool (certbot, acme.sh, an office's own CA) replaces the files and
//! sends the signal; connections opened after it get the new certificate, open ones keep theirs,
//! and a file that does not load leaves the previous certificate in service.

use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Why a certificate could not be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read or holds no certificate.
    #[error("tls.cert_path {path}: {reason}")]
    Certificate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key file could not be read, or the key does not belong to the certificate.
    #[error("tls.key_path {path}: {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("tls: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The certificate in service, replaceable while the server runs.
#[derive(Debug)]
pub struct ReloadingCertificate {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadingCertificate {
    /// Loads the pair once; start-up fails on an error, so a typo is seen at once.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, TlsError> {
        let key = read_pair(cert_path, key_path)?;
        Ok(ReloadingCertificate {
            cert_path: cert_path.to_owned(),
            key_path: key_path.to_owned(),
            current: RwLock::new(Arc::new(key)),
        })
    }

    /// Reads the files again. On success the new certificate serves every new connection; on
    /// an error the previous one stays in service.
    pub fn reload(&self) -> Result<String, TlsError> {
        let key = Arc::new(read_pair(&self.cert_path, &self.key_path)?);
        let fingerprint = fingerprint(&key);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = key;
        Ok(fingerprint)
    }

    /// SHA-256 of the certificate in service (as `openssl x509 -fingerprint -sha256` shows it,
    /// without colons), for the log.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl ResolvesServerCert for ReloadingCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

fn fingerprint(key: &CertifiedKey) -> String {
    key.cert
        .first()
        .map(|c| hex::encode(Sha256::digest(c.as_ref())))
        .unwrap_or_default()
}

fn read_pair(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_error = |reason: String| TlsError::Certificate {
        path: cert_path.to_owned(),
        reason,
    };
    let key_error = |reason: String| TlsError::Key {
        path: key_path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("no PEM certificate in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| key_error(e.to_string()))?;
    let signing_key = ring::sign::any_supported_type(&key).map_err(|e| key_error(e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing_key);
    certified
        .keys_match()
        .map_err(|e| key_error(format!("does not belong to the certificate ({e})")))?;
    Ok(certified)
}

/// The rustls configuration that serves `certificate`: TLS 1.2 and 1.3 with rustls' safe
/// defaults, HTTP/1.1 (the server speaks no HTTP/2).
pub fn server_config(
    certificate: Arc<ReloadingCertificate>,
) -> Result<rustls::ServerConfig, TlsError> {
    let mut config =
        rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(certificate);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Reads the certificate again whenever the process gets SIGHUP (on Unix), logging the outcome.
pub fn reload_on_sighup(certificate: Arc<ReloadingCertificate>) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match certificate.reload() {
                    Ok(fingerprint) => {
                        tracing::info!(%fingerprint, "TLS certificate reloaded")
                    }
                    Err(error) => tracing::error!(
                        %error,
                        "TLS certificate not reloaded; the previous one is still served"
                    ),
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = certificate;
    Ok(())
}
