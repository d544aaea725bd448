//! Field work of a cycle: assignments, reproducible samples, satisfaction responses, and sending
//! visits and responses back to their devices for correction with their earlier versions kept.

mod assignments;
mod export;
mod responses;
mod samples;

pub use assignments::*;
pub use export::*;
pub use responses::*;
pub use samples::*;
