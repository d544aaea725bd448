//! Texts of the questionnaire pages.

/// The texts of the questionnaire pages.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
