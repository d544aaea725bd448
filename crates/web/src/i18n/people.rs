//! Texts of the people and audit pages.

/// The texts of the people and audit pages.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
