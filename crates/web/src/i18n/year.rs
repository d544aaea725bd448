//! Texts of the cycle control pages.

/// The texts of the cycle control pages.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
