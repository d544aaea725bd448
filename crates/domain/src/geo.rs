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

/// Whether a point lies in mainland China's rough bounding box, where GCJ-02 applies.
fn in_china(lat: f64, lon: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

fn gcj_delta(lat: f64, lon: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    // The published GCJ-02 obfuscation: a Krasovsky-ellipsoid offset with sine perturbations.
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    let (x, y) = (lon - 105.0, lat - 35.0);
    let mut d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    d_lat += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    d_lat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    d_lat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    d_lon += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    d_lon += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    d_lon += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    (
        (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI),
        (d_lon * 180.0) / (A / sqrt_magic * rad.cos() * PI),
    )
}

impl GeoPoint {
    /// The point in GCJ-02, the datum Chinese basemaps (Tianditu's GCJ layers, AMap, Tencent) are
    /// drawn in; phones report WGS-84. Outside mainland China the two are the same.
    pub fn to_gcj02(&self) -> GeoPoint {
        if !in_china(self.lat, self.lon) {
            return *self;
        }
        let (d_lat, d_lon) = gcj_delta(self.lat, self.lon);
        GeoPoint {
            lat: self.lat + d_lat,
            lon: self.lon + d_lon,
        }
    }
}

#[cfg(test)]
mod gcj_tests {
    use super::*;

    #[test]
    fn gcj02_shifts_points_in_china_by_a_few_hundred_metres_only() {
        let haikou = GeoPoint {
            lat: 20.0440,
            lon: 110.1999,
        };
        let shifted = haikou.to_gcj02();
        let d = haikou.distance_m(&shifted);
        assert!((100.0..800.0).contains(&d), "{d} m");
        let paris = GeoPoint {
            lat: 48.8566,
            lon: 2.3522,
        };
        assert_eq!(paris.to_gcj02(), paris);
    }
}
