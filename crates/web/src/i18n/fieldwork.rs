//! Texts of the fieldwork pages.

/// The texts of the fieldwork pages.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
