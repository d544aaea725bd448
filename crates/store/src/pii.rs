//! Encryption at rest of national ID numbers, and a keyed hash for exact lookup.
//!
//! XChaCha20-Poly1305 with a random 192-bit nonce per value: random nonces of that size never
//! collide in practice, so no nonce counter has to be coordinated between API nodes. The lookup
//! index is HMAC-SHA256 under a separate sub-key, so equal numbers can be found without
//! decrypting, and the index alone reveals nothing without the key.

use crate::StoreError;
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit},
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "v1.";

/// Holds the sub-keys derived from the configured master key.
pub struct PiiCipher {
    aead: XChaCha20Poly1305,
    index_key: [u8; 32],
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).unwrap_or_else(|_| unreachable!());
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl PiiCipher {
    /// Derives the encryption and index sub-keys from a 32-byte master key.
    pub fn new(master: &[u8; 32]) -> Self {
        let enc = derive(master, b"fieldcheck/pii/encrypt/v1");
        PiiCipher {
            aead: XChaCha20Poly1305::new((&enc).into()),
            index_key: derive(master, b"fieldcheck/pii/index/v1"),
        }
    }

    /// Encrypts a value into a self-describing text (`v1.` + base64 of nonce and ciphertext).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and an in-memory buffer cannot fail.
        let ct = self
            .aead
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        format!("{PREFIX}{}", STANDARD_NO_PAD.encode(blob))
    }

    /// Decrypts a value made by [`PiiCipher::encrypt`].
    pub fn decrypt(&self, stored: &str) -> Result<String, StoreError> {
        let b64 = stored.strip_prefix(PREFIX).ok_or(StoreError::Decrypt)?;
        let blob = STANDARD_NO_PAD
            .decode(b64)
            .map_err(|_| StoreError::Decrypt)?;
        if blob.len() < 24 + 16 {
            return Err(StoreError::Decrypt);
        }
        let (nonce, ct) = blob.split_at(24);
        let pt = self
            .aead
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| StoreError::Decrypt)?;
        String::from_utf8(pt).map_err(|_| StoreError::Decrypt)
    }

    /// The keyed lookup hash of a value (hex).
    pub fn index(&self, plaintext: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .unwrap_or_else(|_| unreachable!());
        mac.update(plaintext.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_randomised() {
        let c = PiiCipher::new(&[7u8; 32]);
        let a = c.encrypt("46010619800101123X");
        let b = c.encrypt("46010619800101123X");
        assert_ne!(a, b, "nonces must differ");
        assert!(!a.contains("19800101"));
        assert_eq!(c.decrypt(&a).unwrap(), "46010619800101123X");
        assert_eq!(c.index("x"), c.index("x"));
        let other = PiiCipher::new(&[8u8; 32]);
        assert!(other.decrypt(&a).is_err());
        let mut tampered = a.clone();
        tampered.pop();
        tampered.push('A');
        assert!(c.decrypt(&tampered).is_err() || tampered == a);
    }
}
