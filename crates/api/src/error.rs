//! The one place where failures become HTTP responses: RFC 9457 `application/problem+json` with
//! a stable `type` per kind of problem, which is what clients branch on.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use fieldcheck_domain::{FieldError, ValidationErrors};
use fieldcheck_store::StoreError;
use serde::Serialize;

/// Prefix of every problem type; a URN because the types are identifiers, not pages to fetch.
pub const PROBLEM_PREFIX: &str = "urn:fieldcheck:problem:";

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Signed in, but the role may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// No such record within the caller's scope, or no such route.
    #[error("not found")]
    NotFound,
    /// The route exists but not with this method; the methods it has, for the `Allow` header
    /// (RFC 9110 §15.5.6).
    #[error("method not allowed; this path allows {allow}")]
    MethodNotAllowed {
        /// Comma-separated methods, e.g. `GET, PATCH`.
        allow: String,
    },
    /// Fields failed validation.
    #[error("validation failed")]
    Validation(ValidationErrors),
    /// The body is not JSON.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The body is JSON of the wrong shape (wrong type, unknown enum value, unknown field).
    #[error("invalid body at {path}: {detail}")]
    InvalidBody {
        /// Where in the document.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// Wrong `Content-Type`.
    #[error("expected Content-Type application/json")]
    UnsupportedMediaType,
    /// The body is larger than allowed.
    #[error("body larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// An upload's headers or body do not fit together.
    #[error("{0}")]
    InvalidUpload(String),
    /// An upload chunk starts somewhere other than where the server's copy ends.
    #[error("the server holds {held} bytes; continue from there")]
    OffsetMismatch {
        /// Bytes the server holds.
        held: u64,
    },
    /// The uploaded bytes do not have the SHA-256 the record announced.
    #[error("the uploaded bytes do not match the photo's SHA-256")]
    HashMismatch,
    /// The bytes are not a readable JPEG or PNG.
    #[error("{0}")]
    NotAnImage(String),
    /// The picture declares more pixels than allowed.
    #[error("a {width}×{height} picture exceeds the limit")]
    ImageTooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// A sync push carries more mutations than allowed.
    #[error("at most {0} mutations per push; split the batch")]
    BatchTooLarge(usize),
    /// The request's target (path and query) is longer than the server reads.
    #[error("the URL is longer than {0} bytes")]
    UriTooLong(usize),
    /// The request carries more header fields than the server reads.
    #[error("more than {0} header fields")]
    HeadersTooLarge(usize),
    /// A query parameter is invalid.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The cursor was not issued by this server for this query.
    #[error("invalid cursor")]
    InvalidCursor,
    /// An update came without `If-Match`.
    #[error("If-Match is required")]
    PreconditionRequired,
    /// `If-Match` names a representation that is no longer current.
    #[error("the record changed since you read it")]
    PreconditionFailed,
    /// A unique value is already taken.
    #[error("already exists")]
    Duplicate(String),
    /// A referenced record does not exist.
    #[error("reference not found: {0}")]
    MissingReference(&'static str),
    /// Too many failed sign-ins.
    #[error("too many failed attempts")]
    TooManyAttempts {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The assessment cycle is approved: its records no longer change.
    #[error("the assessment cycle is approved; its records no longer change")]
    Locked,
    /// A workflow rule refuses the request (wrong step, conflict of interest, …).
    #[error("{detail}")]
    Refused {
        /// Stable problem code.
        code: &'static str,
        /// Explanation.
        detail: String,
    },
    /// A dependency is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details go to the log only.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// The stable code of this problem (the `type` after the prefix).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not-found",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::Validation(_) => "validation-failed",
            ApiError::MalformedJson(_) => "malformed-json",
            ApiError::InvalidBody { .. } => "invalid-body",
            ApiError::UnsupportedMediaType => "unsupported-media-type",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::BatchTooLarge(_) => "batch-too-large",
            ApiError::InvalidUpload(_) => "invalid-upload",
            ApiError::OffsetMismatch { .. } => "offset-mismatch",
            ApiError::HashMismatch => "hash-mismatch",
            ApiError::NotAnImage(_) => "not-an-image",
            ApiError::ImageTooLarge { .. } => "image-too-large",
            ApiError::UriTooLong(_) => "uri-too-long",
            ApiError::HeadersTooLarge(_) => "headers-too-large",
            ApiError::InvalidQuery(_) => "invalid-query",
            ApiError::InvalidCursor => "invalid-cursor",
            ApiError::PreconditionRequired => "if-match-required",
            ApiError::PreconditionFailed => "stale-version",
            ApiError::Duplicate(_) => "duplicate",
            ApiError::MissingReference(_) => "missing-reference",
            ApiError::TooManyAttempts { .. } => "too-many-attempts",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Locked => "cycle-locked",
            ApiError::Refused { code, .. } => code,
            ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "Authentication required",
            ApiError::Forbidden => "Not allowed for your role",
            ApiError::NotFound => "Not found",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::Validation(_) => "Some fields are invalid",
            ApiError::MalformedJson(_) => "The body is not valid JSON",
            ApiError::InvalidBody { .. } => "The body does not match the expected shape",
            ApiError::UnsupportedMediaType => "Unsupported content type",
            ApiError::PayloadTooLarge(_) => "Body too large",
            ApiError::BatchTooLarge(_) => "Too many mutations in one push",
            ApiError::InvalidUpload(_) => "Invalid upload",
            ApiError::OffsetMismatch { .. } => "Upload offset does not match",
            ApiError::HashMismatch => "Upload does not match its hash",
            ApiError::NotAnImage(_) => "Not a readable photo",
            ApiError::ImageTooLarge { .. } => "Picture too large",
            ApiError::UriTooLong(_) => "URL too long",
            ApiError::HeadersTooLarge(_) => "Too many header fields",
            ApiError::InvalidQuery(_) => "Invalid query parameters",
            ApiError::InvalidCursor => "Invalid cursor",
            ApiError::PreconditionRequired => "If-Match required",
            ApiError::PreconditionFailed => "The record has changed",
            ApiError::Duplicate(_) => "Already exists",
            ApiError::MissingReference(_) => "Referenced record not found",
            ApiError::TooManyAttempts { .. } => "Too many attempts",
            ApiError::Unavailable(_) => "Service unavailable",
            ApiError::Locked => "The assessment cycle is locked",
            ApiError::Refused { code, .. } => match *code {
                "conflict-of-interest" => "Conflict of interest",
                "not-commissioned" => "Not commissioned for this assessee",
                "already-submitted" => "Already submitted",
                _ => "Not allowed at this step of the cycle",
            },
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// Wraps an unexpected error.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

/// The problem document.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// Stable type URI.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the type.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// This occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field errors of a validation failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Validation(_) | ApiError::InvalidBody { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::MalformedJson(_) | ApiError::InvalidQuery(_) | ApiError::InvalidCursor => {
                StatusCode::BAD_REQUEST
            }
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::PayloadTooLarge(_) | ApiError::BatchTooLarge(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::Duplicate(_) | ApiError::OffsetMismatch { .. } | ApiError::Locked => {
                StatusCode::CONFLICT
            }
            ApiError::Refused { code, .. } => match *code {
                "conflict-of-interest" | "not-commissioned" => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            },
            ApiError::InvalidUpload(_) => StatusCode::BAD_REQUEST,
            ApiError::HashMismatch | ApiError::NotAnImage(_) | ApiError::ImageTooLarge { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::MissingReference(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The whole cause chain goes to the log; the client gets the stable type only.
            let mut chain = format!("{self}");
            let mut source = std::error::Error::source(self);
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(problem = self.code(), cause = %chain, "request failed");
        }
        let (detail, errors) = match self {
            ApiError::Validation(v) => (None, v.0.clone()),
            ApiError::Internal(_) => (None, Vec::new()),
            ApiError::Duplicate(_) => (
                Some("a record with this unique value already exists".to_owned()),
                Vec::new(),
            ),
            other => (Some(other.to_string()), Vec::new()),
        };
        let problem = Problem {
            kind: format!("{PROBLEM_PREFIX}{}", self.code()),
            title: self.title(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::TooManyAttempts { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::OffsetMismatch { held } => {
                res.insert_header(("Upload-Offset", held.to_string()));
            }
            ApiError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.as_str()));
            }
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"fieldcheck\""));
            }
            _ => {}
        }
        res.body(serde_json::to_vec(&problem).unwrap_or_default())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Stale { .. } => ApiError::PreconditionFailed,
            StoreError::Duplicate(what) => ApiError::Duplicate(what),
            StoreError::MissingReference(what) => ApiError::MissingReference(what),
            StoreError::Invalid(v) => ApiError::Validation(v),
            StoreError::Locked => ApiError::Locked,
            StoreError::Refused { code, detail } => ApiError::Refused { code, detail },
            StoreError::Busy => {
                ApiError::Unavailable("the database is busy with another writer".into())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<fieldcheck_media::process::ProcessError> for ApiError {
    fn from(e: fieldcheck_media::process::ProcessError) -> Self {
        use fieldcheck_media::process::ProcessError;
        match e {
            ProcessError::NotAnImage(m) => ApiError::NotAnImage(m),
            ProcessError::TooLarge { width, height } => ApiError::ImageTooLarge { width, height },
        }
    }
}

impl From<fieldcheck_media::MediaError> for ApiError {
    fn from(e: fieldcheck_media::MediaError) -> Self {
        match e {
            fieldcheck_media::MediaError::Unavailable(m) => {
                ApiError::Unavailable(format!("blob store: {m}"))
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(v: ValidationErrors) -> Self {
        ApiError::Validation(v)
    }
}
