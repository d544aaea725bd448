//! Reading the EXIF facts evidence depends on: where (GPS), when (DateTimeOriginal with its
//! offset), how to display (orientation) and with what (make, model). kamadak-exif refuses IFD
//! loops and bounds the number of IFDs, and every value is checked against the buffer, so crafted
//! blocks end in an error, not a hang.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use exif::{In, Reader, Tag, Value};
use serde::Serialize;

/// What a photo's EXIF says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExifInfo {
    /// GPS latitude, WGS-84 degrees (south negative).
    pub lat: Option<f64>,
    /// GPS longitude, WGS-84 degrees (west negative).
    pub lon: Option<f64>,
    /// GPS altitude in metres (below sea level negative).
    pub altitude_m: Option<f64>,
    /// DateTimeOriginal with its offset; without one, China Standard Time (+08:00) is assumed.
    pub taken_at: Option<DateTime<FixedOffset>>,
    /// Whether the offset came from the file (`OffsetTimeOriginal`) rather than being assumed.
    pub offset_from_file: bool,
    /// EXIF orientation 1..=8 (1 when absent).
    pub orientation: u16,
    /// Camera make.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
}

fn rational_degrees(v: &Value) -> Option<f64> {
    match v {
        Value::Rational(r) if r.len() >= 3 => {
            let parts: Vec<f64> = r
                .iter()
                .take(3)
                .map(|x| if x.denom == 0 { f64::NAN } else { x.to_f64() })
                .collect();
            let deg = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0;
            deg.is_finite().then_some(deg)
        }
        _ => None,
    }
}

fn ascii(v: &Value) -> Option<String> {
    match v {
        Value::Ascii(parts) => parts
            .first()
            .map(|b| String::from_utf8_lossy(b).trim().to_owned())
            .filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// Reads EXIF from a JPEG (or PNG) in memory. `Ok(None)` when the file carries no EXIF.
pub fn read(bytes: &[u8]) -> Result<Option<ExifInfo>, String> {
    let exif = match Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) {
        Ok(e) => e,
        Err(exif::Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    let mut info = ExifInfo {
        orientation: 1,
        ..Default::default()
    };
    if let Some(o) = field(Tag::Orientation).and_then(|f| f.value.get_uint(0))
        && (1..=8).contains(&o)
    {
        info.orientation = o as u16;
    }
    info.make = field(Tag::Make).and_then(|f| ascii(&f.value));
    info.model = field(Tag::Model).and_then(|f| ascii(&f.value));
    let lat = field(Tag::GPSLatitude).and_then(|f| rational_degrees(&f.value));
    let lon = field(Tag::GPSLongitude).and_then(|f| rational_degrees(&f.value));
    let lat_ref = field(Tag::GPSLatitudeRef).and_then(|f| ascii(&f.value));
    let lon_ref = field(Tag::GPSLongitudeRef).and_then(|f| ascii(&f.value));
    if let (Some(lat), Some(lon)) = (lat, lon) {
        let lat = if lat_ref.as_deref() == Some("S") {
            -lat
        } else {
            lat
        };
        let lon = if lon_ref.as_deref() == Some("W") {
            -lon
        } else {
            lon
        };
        if (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
            && !(lat == 0.0 && lon == 0.0)
        {
            info.lat = Some(lat);
            info.lon = Some(lon);
        }
    }
    if let Some(Value::Rational(r)) = field(Tag::GPSAltitude).map(|f| &f.value)
        && let Some(a) = r.first().filter(|a| a.denom != 0)
    {
        let below = field(Tag::GPSAltitudeRef).and_then(|f| f.value.get_uint(0)) == Some(1);
        info.altitude_m = Some(if below { -a.to_f64() } else { a.to_f64() });
    }
    let original = exif
        .get_field(Tag::DateTimeOriginal, In::PRIMARY)
        .and_then(|f| ascii(&f.value));
    if let Some(text) = original
        && let Ok(naive) = NaiveDateTime::parse_from_str(&text, "%Y:%m:%d %H:%M:%S")
    {
        let offset_text = exif
            .get_field(Tag::OffsetTimeOriginal, In::PRIMARY)
            .and_then(|f| ascii(&f.value));
        let parsed = offset_text.as_deref().and_then(parse_offset);
        info.offset_from_file = parsed.is_some();
        let offset = parsed.unwrap_or_else(china_standard_time);
        info.taken_at = offset.from_local_datetime(&naive).single();
    }
    Ok(Some(info))
}

fn china_standard_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()))
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixture;

    #[test]
    fn reads_the_phone_photo() {
        let info = read(&fixture("phone-4000x2500-gps.jpg")).unwrap().unwrap();
        assert!((info.lat.unwrap() - 19.9962).abs() < 1e-3, "{info:?}");
        assert!((info.lon.unwrap() - 110.3571).abs() < 1e-3);
        assert!((info.altitude_m.unwrap() - 12.0).abs() < 0.5);
        assert_eq!(info.orientation, 6);
        assert_eq!(info.make.as_deref(), Some("Xiaomi"));
        assert_eq!(info.model.as_deref(), Some("Redmi Note 12"));
        assert_eq!(
            info.taken_at.unwrap().to_rfc3339(),
            "2020-01-08T10:32:15+08:00"
        );
    }

    #[test]
    fn no_exif_and_garbage() {
        assert!(
            read(&fixture("autumn-2560x1600.jpg"))
                .unwrap()
                .is_none_or(|i| i.lat.is_none())
        );
        assert!(read(b"not an image").is_err() || read(b"not an image").unwrap().is_none());
        // A TIFF header whose first IFD points at itself: refused, no hang.
        let mut looped =
            b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x01\0\0\0\x08\0\0\0".to_vec();
        looped.truncate(looped.len());
        let _ = exif::Reader::new().read_raw(looped[6..].to_vec());
    }
}
