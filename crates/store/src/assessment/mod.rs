//! The yearly assessment: templates, cycles and their steps, self-reports, commissions and scores,
//! aggregation into results, the leading group's decisions, and the lock approval puts on a cycle.
//! The rules themselves live in `fieldcheck_domain::assessment`; this module stores and loads.

use crate::StoreError;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

mod cycles;
mod progress;
mod questionnaires;
mod results;
mod scores;
mod self_reports;
mod steps;
mod templates;

pub use cycles::*;
pub use progress::*;
pub use questionnaires::*;
pub use results::*;
pub use scores::*;
pub use self_reports::*;
pub use steps::*;
pub use templates::*;

/// The stable wire name of a snake_case serde enum.
pub fn wire<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Parses a stored wire name; a bad stored value is a database fault, not the caller's.
pub(crate) fn unwire<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_value(Value::String(s.to_owned()))
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("stored value {s:?}: {e}"))))
}
