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

/// The result of an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// Everything was written.
    Imported(ImportReport),
    /// Nothing was written; every problem found, in line order.
    Rejected(Vec<RowError>),
}
