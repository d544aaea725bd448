//! Resident identity card numbers (GB 11643-1999): 18 characters, the last one a checksum.

use crate::ValidationErrors;
use chrono::NaiveDate;

/// A national ID number whose region, birth date and checksum are valid.
///
/// `Debug` never prints the number: it is personal data and must not reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct NationalId(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

impl NationalId {
    /// Parses and validates a number; a lowercase `x` check character is accepted and uppercased.
    pub fn parse(input: &str) -> Result<Self, ValidationErrors> {
        let s = input.trim().to_ascii_uppercase();
        let err = |code, msg: &str| Err(ValidationErrors::single("id_number", code, msg));
        if s.len() != 18 || !s.is_ascii() {
            return err("invalid-length", "an ID number has 18 characters");
        }
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return err("invalid-characters", "17 digits followed by a digit or X");
        }
        let birth = &s[6..14];
        if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() {
            return err(
                "invalid-birth-date",
                "characters 7 to 14 are not a valid date",
            );
        }
        let sum: u32 = bytes[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        if CHECK_CHARS[(sum % 11) as usize] != bytes[17] {
            return err("invalid-checksum", "the check character does not match");
        }
        Ok(Self(s))
    }

    /// The full number, for encryption and keyed hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked form shown to roles that may not see the number: `460106********1234`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any stored ID-number string the same way, keeping region (6) and last 4 characters.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

impl std::fmt::Debug for NationalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NationalId({})", self.masked())
    }
}

/// Computes the check character for 17 leading digits; used to make valid demo numbers.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECK_CHARS[(sum % 11) as usize] as char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_and_masks() {
        // The checksum example of GB 11643-1999.
        let id = NationalId::parse("11010519491231002x").unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
        assert_eq!(id.masked(), "110105********002X");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn rejects_bad_numbers() {
        let code = |s: &str| NationalId::parse(s).unwrap_err().0[0].code;
        assert_eq!(code("110105194912310021"), "invalid-checksum");
        assert_eq!(code("1101051949123100"), "invalid-length");
        assert_eq!(code("11010519491331002X"), "invalid-birth-date");
        assert_eq!(code("11010519491231A02X"), "invalid-characters");
    }

    #[test]
    fn check_char_round_trips() {
        let c = check_char("46010619800101123").unwrap();
        assert!(NationalId::parse(&format!("46010619800101123{c}")).is_ok());
    }
}
