//! Whether a photo can be trusted as evidence: the flags the office filters on.

use crate::GeoPoint;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A reason to look at a photo twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoFlag {
    /// The file carries no GPS position.
    NoGps,
    /// The EXIF position is far from the household's registered location.
    FarFromHousehold,
    /// The EXIF position and the device's own fix disagree.
    DeviceMismatch,
    /// The device reported a mock (simulated) location.
    MockLocation,
    /// The device's fix was too imprecise to say where the photo was taken.
    PoorAccuracy,
    /// Taken outside the visit's time window, or in the future.
    OutsideWindow,
    /// Looks like a photo already filed for a different household or visit.
    NearDuplicate,
    /// The very same file was already filed for a different household or visit.
    ExactDuplicate,
}

impl PhotoFlag {
    /// Every flag.
    pub const ALL: &'static [PhotoFlag] = &[
        PhotoFlag::NoGps,
        PhotoFlag::FarFromHousehold,
        PhotoFlag::DeviceMismatch,
        PhotoFlag::MockLocation,
        PhotoFlag::PoorAccuracy,
        PhotoFlag::OutsideWindow,
        PhotoFlag::NearDuplicate,
        PhotoFlag::ExactDuplicate,
    ];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoFlag::NoGps => "no_gps",
            PhotoFlag::FarFromHousehold => "far_from_household",
            PhotoFlag::DeviceMismatch => "device_mismatch",
            PhotoFlag::MockLocation => "mock_location",
            PhotoFlag::PoorAccuracy => "poor_accuracy",
            PhotoFlag::OutsideWindow => "outside_window",
            PhotoFlag::NearDuplicate => "near_duplicate",
            PhotoFlag::ExactDuplicate => "exact_duplicate",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<PhotoFlag> {
        PhotoFlag::ALL.iter().copied().find(|f| f.as_str() == s)
    }
}

/// Limits of the checks, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// EXIF position further than this from the household is flagged (default 500 m).
    pub far_from_household_m: f64,
    /// EXIF position and device fix further apart than this are flagged (default 200 m).
    pub device_mismatch_m: f64,
    /// A device fix less precise than this is flagged (default 100 m).
    pub poor_accuracy_m: f64,
    /// A capture time further than this from the visit's start is outside the window (default 12 h).
    pub visit_window_hours: i64,
    /// A capture this many days before the server received it is outside any assessment window
    /// (default 90: a cycle runs from year end to 31 January).
    pub max_age_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            far_from_household_m: 500.0,
            device_mismatch_m: 200.0,
            poor_accuracy_m: 100.0,
            visit_window_hours: 12,
            max_age_days: 90,
        }
    }
}

/// The facts about one photo the flags are decided from.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Position from the file's EXIF.
    pub exif_position: Option<GeoPoint>,
    /// The household's registered location.
    pub household_location: Option<GeoPoint>,
    /// The device's own fix sent with the record.
    pub device_position: Option<GeoPoint>,
    /// The device's reported accuracy in metres.
    pub device_accuracy_m: Option<f64>,
    /// The device reported a mock location.
    pub mock_location: bool,
    /// Capture time (EXIF, else the device's record).
    pub taken_at: Option<DateTime<Utc>>,
    /// Start of the visit the photo belongs to.
    pub visit_started_at: Option<DateTime<Utc>>,
    /// When the server received the record.
    pub received_at: Option<DateTime<Utc>>,
    /// A near-duplicate exists for a different household or visit.
    pub near_duplicate_elsewhere: bool,
    /// The same file exists for a different household or visit.
    pub exact_duplicate_elsewhere: bool,
}

/// Hamming distance at or below which two perceptual hashes are the same picture.
pub const NEAR_DUPLICATE_BITS: u32 = 6;

/// How many bands a perceptual hash is cut into for lookup: one more than
/// [`NEAR_DUPLICATE_BITS`], so that two hashes within that distance agree on a whole band (at most
/// six bands hold a differing bit). Near duplicates are then found by equality on an index.
pub const HASH_BANDS: usize = NEAR_DUPLICATE_BITS as usize + 1;

/// Bits in each band but the last, which holds the remaining ten.
pub const HASH_BAND_BITS: u32 = 9;

/// The bands of a 64-bit perceptual hash, as numbers: band `k` holds bits `9k` to `9k + 8`, and
/// the last band bits 54 to 63.
pub fn hash_bands(hash: u64) -> [i32; HASH_BANDS] {
    std::array::from_fn(|k| {
        let shift = HASH_BAND_BITS * k as u32;
        let width = if k + 1 == HASH_BANDS {
            64 - shift
        } else {
            HASH_BAND_BITS
        };
        ((hash >> shift) & ((1u64 << width) - 1)) as i32
    })
}

/// Decides the flags of a photo, sorted.
pub fn flags(f: &Facts, t: &Thresholds) -> Vec<PhotoFlag> {
    let mut out = Vec::new();
    match f.exif_position {
        None => out.push(PhotoFlag::NoGps),
        Some(p) => {
            if f.household_location
                .is_some_and(|h| h.distance_m(&p) > t.far_from_household_m)
            {
                out.push(PhotoFlag::FarFromHousehold);
            }
            if f.device_position
                .is_some_and(|d| d.distance_m(&p) > t.device_mismatch_m)
            {
                out.push(PhotoFlag::DeviceMismatch);
            }
        }
    }
    if f.mock_location {
        out.push(PhotoFlag::MockLocation);
    }
    if f.device_accuracy_m.is_some_and(|a| a > t.poor_accuracy_m) {
        out.push(PhotoFlag::PoorAccuracy);
    }
    if let Some(taken) = f.taken_at {
        let outside_visit = f
            .visit_started_at
            .is_some_and(|v| (taken - v).num_hours().abs() >= t.visit_window_hours);
        let in_future = f
            .received_at
            .is_some_and(|r| taken > r + chrono::Duration::minutes(10));
        let too_old = f
            .received_at
            .is_some_and(|r| r - taken > chrono::Duration::days(t.max_age_days));
        if outside_visit || in_future || too_old {
            out.push(PhotoFlag::OutsideWindow);
        }
    }
    if f.near_duplicate_elsewhere {
        out.push(PhotoFlag::NearDuplicate);
    }
    if f.exact_duplicate_elsewhere {
        out.push(PhotoFlag::ExactDuplicate);
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> Option<GeoPoint> {
        Some(GeoPoint { lat, lon })
    }

    #[test]
    fn a_good_photo_has_no_flags() {
        let now = Utc::now();
        let f = Facts {
            exif_position: p(20.0, 110.3),
            household_location: p(20.001, 110.3),
            device_position: p(20.0, 110.3005),
            device_accuracy_m: Some(10.0),
            taken_at: Some(now),
            visit_started_at: Some(now - chrono::Duration::minutes(30)),
            received_at: Some(now),
            ..Default::default()
        };
        assert!(flags(&f, &Thresholds::default()).is_empty());
    }

    #[test]
    fn each_check_flags() {
        let now = Utc::now();
        let f = Facts {
            exif_position: p(20.0, 110.3),
            household_location: p(20.01, 110.3),
            device_position: p(20.005, 110.3),
            device_accuracy_m: Some(500.0),
            mock_location: true,
            taken_at: Some(now - chrono::Duration::days(3)),
            visit_started_at: Some(now),
            received_at: Some(now),
            near_duplicate_elsewhere: true,
            exact_duplicate_elsewhere: true,
        };
        assert_eq!(
            flags(&f, &Thresholds::default()),
            PhotoFlag::ALL[1..].to_vec()
        );
        let none = Facts {
            exif_position: None,
            ..Default::default()
        };
        assert_eq!(flags(&none, &Thresholds::default()), vec![PhotoFlag::NoGps]);
    }

    #[test]
    fn the_threshold_is_respected() {
        // About 444 m apart: not flagged at 500 m, flagged at 400 m.
        let f = Facts {
            exif_position: p(20.0, 110.3),
            household_location: p(20.004, 110.3),
            ..Default::default()
        };
        assert!(flags(&f, &Thresholds::default()).is_empty());
        let strict = Thresholds {
            far_from_household_m: 400.0,
            ..Default::default()
        };
        assert_eq!(flags(&f, &strict), vec![PhotoFlag::FarFromHousehold]);
    }

    #[test]
    fn an_old_photo_is_outside_the_window() {
        let now = Utc::now();
        let f = Facts {
            exif_position: p(1.0, 1.0),
            taken_at: Some(now - chrono::Duration::days(400)),
            received_at: Some(now),
            ..Default::default()
        };
        assert_eq!(
            flags(&f, &Thresholds::default()),
            vec![PhotoFlag::OutsideWindow]
        );
    }

    #[test]
    fn future_capture_is_outside_the_window() {
        let now = Utc::now();
        let f = Facts {
            exif_position: p(1.0, 1.0),
            taken_at: Some(now + chrono::Duration::hours(2)),
            received_at: Some(now),
            ..Default::default()
        };
        assert_eq!(
            flags(&f, &Thresholds::default()),
            vec![PhotoFlag::OutsideWindow]
        );
    }

    #[test]
    fn hashes_within_the_distance_share_a_band_and_bands_rebuild_the_hash() {
        // A fixed walk over hashes and sets of flipped bits (no randomness: reproducible).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let a = next();
            let mut b = a;
            for _ in 0..(next() % u64::from(NEAR_DUPLICATE_BITS + 1)) {
                b ^= 1 << (next() % 64);
            }
            assert!((a ^ b).count_ones() <= NEAR_DUPLICATE_BITS);
            let (ba, bb) = (hash_bands(a), hash_bands(b));
            assert!(ba.iter().zip(&bb).any(|(p, q)| p == q), "{a:x} and {b:x}");
            let rebuilt = ba.iter().enumerate().fold(0u64, |h, (k, v)| {
                h | ((*v as u64) << (HASH_BAND_BITS as usize * k))
            });
            assert_eq!(rebuilt, a);
        }
        // Seven bits apart, one in each band: no band in common, as expected.
        let spread = (0..HASH_BANDS as u32).fold(0u64, |h, k| h | 1 << (HASH_BAND_BITS * k));
        let (ba, bb) = (hash_bands(0), hash_bands(spread));
        assert!(ba.iter().zip(&bb).all(|(p, q)| p != q));
    }
}
