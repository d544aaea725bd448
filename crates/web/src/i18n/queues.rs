//! Texts of the review queues.

/// The texts of the review queues.
pub struct Texts {}

/// zh-CN.
pub static ZH_CN: Texts = Texts {};
