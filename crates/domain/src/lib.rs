//! Pure domain rules of fieldcheck: typed ids, the vocabulary of the assessment method, parsing of
//! validated values (division codes, national ID numbers, locations), roles and what they may do.
//! Nothing here does I/O, so every rule is unit-tested in isolation.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod assessment;
pub mod evidence;
pub mod geo;
pub mod ids;
pub mod national_id;
pub mod place;
pub mod questionnaire;
pub mod questionnaire_xlsform;
pub mod role;
pub mod sync;
pub mod validation;
pub mod vocab;

pub use geo::GeoPoint;
pub use ids::*;
pub use national_id::NationalId;
pub use place::{DivisionCode, PlaceLevel};
pub use role::{Action, Role};
pub use validation::{FieldError, ValidationErrors};
pub use vocab::*;
