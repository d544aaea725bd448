//! The contract: `api-spec/openapi.yaml`, embedded at build time and served as JSON.

use crate::error::ApiError;
use std::sync::OnceLock;

/// The spec's YAML text.
pub const YAML: &str = include_str!("../../../api-spec/openapi.yaml");

/// The spec as JSON, parsed once.
pub fn document() -> Result<&'static serde_json::Value, ApiError> {
    static DOC: OnceLock<Result<serde_json::Value, String>> = OnceLock::new();
    DOC.get_or_init(|| serde_yaml::from_str::<serde_json::Value>(YAML).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| ApiError::Unavailable(format!("openapi document: {e}")))
}
