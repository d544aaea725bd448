//! The blob key layout, defined once: where a photo's original and derivatives are stored, and
//! the prefixes under which every photo object lives (what `media gc` lists).

use crate::process::{SCREEN_EDGE, THUMB_EDGE};

/// Where originals are stored, sharded by the first two hex digits of their SHA-256.
pub const ORIGINALS_PREFIX: &str = "originals/";
/// Where derivatives (thumbnail and screen size) are stored, sharded like the originals.
pub const DERIVED_PREFIX: &str = "derived/";
/// Every prefix under which photo objects live; an object elsewhere is not a photo's.
pub const PHOTO_PREFIXES: [&str; 2] = [ORIGINALS_PREFIX, DERIVED_PREFIX];

/// Where the chunks of unfinished resumable uploads wait, one object per accepted chunk.
pub const UPLOADS_PREFIX: &str = "uploads/";

/// The object of one chunk of upload `photo` starting at `offset`. `attempt` (fresh for every
/// request) keeps two requests racing for the same offset from overwriting each other's bytes:
/// only the one whose row commits is used; the other's object is garbage.
pub fn upload_part_key(photo: uuid::Uuid, offset: u64, attempt: uuid::Uuid) -> String {
    format!("{UPLOADS_PREFIX}{photo}/{offset:020}-{}", attempt.simple())
}

/// The object keys of one photo. Content-addressed: the same bytes always get the same keys, so
/// storing a photo twice stores nothing new, and records of the same bytes share objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoKeys {
    /// The bytes as uploaded.
    pub original: String,
    /// The thumbnail, [`THUMB_EDGE`] pixels on its long edge.
    pub thumb: String,
    /// The screen-size derivative, [`SCREEN_EDGE`] pixels on its long edge.
    pub screen: String,
}

/// The keys of the photo whose SHA-256 is `sha256_hex` (lowercase hex, as records hold it).
pub fn photo_keys(sha256_hex: &str) -> PhotoKeys {
    // Sharding by two hex digits keeps any one folder (or listing page) small.
    let shard = sha256_hex.get(..2).unwrap_or(sha256_hex);
    PhotoKeys {
        original: format!("{ORIGINALS_PREFIX}{shard}/{sha256_hex}"),
        thumb: format!("{DERIVED_PREFIX}{shard}/{sha256_hex}-{THUMB_EDGE}.jpg"),
        screen: format!("{DERIVED_PREFIX}{shard}/{sha256_hex}-{SCREEN_EDGE}.jpg"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ab3f5c0e9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29";

    /// Stored objects already carry these keys: the layout must never change silently.
    #[test]
    fn layout_is_pinned() {
        assert_eq!(
            photo_keys(SHA),
            PhotoKeys {
                original: format!("originals/ab/{SHA}"),
                thumb: format!("derived/ab/{SHA}-320.jpg"),
                screen: format!("derived/ab/{SHA}-1280.jpg"),
            }
        );
    }

    #[test]
    fn upload_part_keys_are_valid_and_apart_from_photos() {
        let key = upload_part_key(uuid::Uuid::from_u128(7), 42, uuid::Uuid::from_u128(9));
        assert!(crate::valid_key(&key), "{key}");
        assert!(key.starts_with(UPLOADS_PREFIX));
        assert!(!PHOTO_PREFIXES.iter().any(|p| key.starts_with(p)));
    }

    #[test]
    fn every_key_is_valid_and_under_a_listed_prefix() {
        let keys = photo_keys(SHA);
        for key in [&keys.original, &keys.thumb, &keys.screen] {
            assert!(crate::valid_key(key), "{key}");
            assert!(PHOTO_PREFIXES.iter().any(|p| key.starts_with(p)), "{key}");
        }
    }
}
