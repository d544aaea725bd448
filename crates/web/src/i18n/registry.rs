//! Texts of the registry import.

/// The texts of the registry import.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
