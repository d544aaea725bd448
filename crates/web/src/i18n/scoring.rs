//! Texts of the scoring pages.

/// The texts of the scoring pages.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
