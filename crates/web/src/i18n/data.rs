//! Texts of the raw data and charts.

/// The texts of the raw data and charts.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
