//! Administrative places and their national division codes.

use serde::{Deserialize, Serialize};

/// Level of an administrative place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceLevel {
    /// A prefecture-level city (6-digit code).
    City,
    /// A district or county (6-digit code, GB/T 2260).
    District,
    /// A town, township or sub-district (9-digit statistical code).
    Town,
    /// A village or community committee (12-digit statistical code).
    Village,
}

impl PlaceLevel {
    /// The stable string stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::District => "district",
            Self::Town => "town",
            Self::Village => "village",
        }
    }

    /// Parses the stored string.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "city" => Self::City,
            "district" => Self::District,
            "town" => Self::Town,
            "village" => Self::Village,
            _ => return None,
        })
    }

    /// The level a child of this level must have.
    pub fn child(self) -> Option<Self> {
        match self {
            Self::City => Some(Self::District),
            Self::District => Some(Self::Town),
            Self::Town => Some(Self::Village),
            Self::Village => None,
        }
    }
}

/// A national division code whose length fits its level.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Parses a 6-, 9- or 12-digit code.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        if !matches!(s.len(), 6 | 9 | 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a division code has 6, 9 or 12 digits");
        }
        Ok(Self(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` is exactly a district's 6-digit code.
    pub fn is_district(s: &str) -> bool {
        s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
    }

    /// The 6-digit district (or city) part: the scope a district reviewer is given.
    pub fn district(&self) -> &str {
        &self.0[..6]
    }

    /// Whether the code's length matches the level (cities and districts share 6 digits).
    pub fn fits(&self, level: PlaceLevel) -> bool {
        match level {
            PlaceLevel::City => self.0.len() == 6 && self.0.ends_with("00"),
            PlaceLevel::District => self.0.len() == 6 && !self.0.ends_with("00"),
            PlaceLevel::Town => self.0.len() == 9,
            PlaceLevel::Village => self.0.len() == 12,
        }
    }

    /// Whether `child` extends this code the way the national scheme nests codes.
    pub fn is_parent_of(&self, child: &DivisionCode) -> bool {
        match (self.0.len(), child.0.len()) {
            (6, 6) => self.0.ends_with("00") && self.0[..4] == child.0[..4] && self != child,
            (6, 9) | (9, 12) => child.0.starts_with(&self.0),
            _ => false,
        }
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

impl std::fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting() {
        let city = DivisionCode::parse("460100").unwrap();
        let district = DivisionCode::parse("460106").unwrap();
        let town = DivisionCode::parse("460106001").unwrap();
        let village = DivisionCode::parse("460106001201").unwrap();
        assert!(city.fits(PlaceLevel::City) && district.fits(PlaceLevel::District));
        assert!(city.is_parent_of(&district));
        assert!(district.is_parent_of(&town));
        assert!(town.is_parent_of(&village));
        assert!(!district.is_parent_of(&DivisionCode::parse("460107001").unwrap()));
        assert_eq!(village.district(), "460106");
        assert!(DivisionCode::parse("46010").is_err());
        assert!(DivisionCode::parse("46010a").is_err());
    }
}
