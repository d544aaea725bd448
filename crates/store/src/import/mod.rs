//! Spreadsheet import of registered households (建档立卡贫困户), one row per household member.
//!
//! The file is CSV (UTF-8, with or without BOM) or XLSX (first sheet). Columns are matched by
//! header, Chinese or English. Every row is checked first and every problem is reported with its
//! line and column; only a file without problems is written, all in one transaction with one audit
//! entry. Importing the same file again changes nothing.
//!
//! Existing records are found by their natural keys: households by registration number, members
//! by ID number (or by name when the row has none), plans by year, measures by type and
//! description, units by name, persons by unit and name. Household fields are overwritten from
//! the file: a column missing from the file leaves its field alone, a blank cell clears it (a
//! blank status keeps the current one; new households default to 未脱贫). Existing members,
//! measures and persons are never overwritten, so changes made in the app survive a re-import;
//! the one exception is a member registered without ID number, who gets the file's number.
//!
//! Reasons never quote a cell's value: a cell may hold an ID number or a phone number.

use serde::Serialize;

mod check_file;
mod check_row;
mod columns;
mod read;
mod write;

pub use read::*;
pub use write::*;

/// What an import wrote. Every household of the file counts once, as created, updated (anything
/// about it written: its own fields, or a member, plan or measure added) or unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Households registered.
    pub households_created: usize,
    /// Households already registered that the file left as they were.
    pub households_unchanged: usize,
    /// Households already registered that the file changed.
    pub households_updated: usize,
    /// Members added.
    pub members_created: usize,
    /// Yearly plans added.
    pub plans_created: usize,
    /// Measures added.
    pub measures_created: usize,
    /// Paired units added.
    pub units_created: usize,
    /// Responsible persons added.
    pub persons_created: usize,
}

/// One problem of the file, where a spreadsheet user finds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Line as the spreadsheet shows it: header = 1, first data row = 2.
    pub line: usize,
    /// The column as its header is written in the file, if the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong, in plain language (never quoting the cell's value).
    pub reason: String,
}

/// Whether an import writes what it found, or runs the very same writes in a transaction it
/// then rolls back, to show what would change (the office's preview).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Write, audit and commit.
    Write,
    /// Write, then roll back: nothing stays, nothing is audited.
    Preview,
}

/// One household of the file that the import creates or changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HouseholdChange {
    /// Registration number (户编号).
    pub registration_no: String,
    /// The head's name masked: its first character, then one `*` per further character.
    pub head_name_masked: String,
    /// Created (else changed).
    pub created: bool,
}

/// An import's outcome, with the households it created or changed, in file order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportRun {
    /// What was written (or, for a preview, would be), or every problem of the file.
    pub outcome: ImportOutcome,
    /// The households created or changed (empty when rejected).
    pub households: Vec<HouseholdChange>,
}

/// A name as lists of many households show it: its first character, the rest as `*`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

/// The result of an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// Everything was written.
    Imported(ImportReport),
    /// Nothing was written; every problem found, in line order.
    Rejected(Vec<RowError>),
}
