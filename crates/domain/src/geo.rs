//! Locations (WGS-84, as phones report them) and distances between them.

use serde::{Deserialize, Serialize};

/// A WGS-84 point with valid latitude and longitude.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude in degrees, -90..=90.
    pub lat: f64,
    /// Longitude in degrees, -180..=180.
    pub lon: f64,
}

impl GeoPoint {
    /// Builds a point, refusing out-of-range or non-finite coordinates.
    pub fn new(lat: f64, lon: f64) -> Result<Self, &'static str> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err("coordinates must be finite numbers");
        }
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err("latitude must be within ±90 and longitude within ±180");
        }
        Ok(Self { lat, lon })
    }

    /// Great-circle distance in metres (haversine; ample accuracy at village scale).
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        let haikou = GeoPoint::new(20.044, 110.199).unwrap();
        let sanya = GeoPoint::new(18.253, 109.512).unwrap();
        let d = haikou.distance_m(&sanya);
        assert!((d - 212_000.0).abs() < 5_000.0, "{d}");
        assert_eq!(haikou.distance_m(&haikou), 0.0);
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(GeoPoint::new(91.0, 0.0).is_err());
        assert!(GeoPoint::new(0.0, f64::NAN).is_err());
    }
}
