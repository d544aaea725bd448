//! The one place where failures become HTTP responses: RFC 9457 `application/problem+json` with
//! a stable `type` per kind of problem, which is what clients branch on. [`ProblemCode`] lists
//! every type with its status and title; [`ApiError::problem`] is the one mapping from a failure
//! to its type.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use fieldcheck_domain::{FieldError, ValidationErrors};
use fieldcheck_store::StoreError;
use serde::Serialize;

/// Prefix of every problem type; a URN because the types are identifiers, not pages to fetch.
pub const PROBLEM_PREFIX: &str = "urn:fieldcheck:problem:";

/// Declares [`ProblemCode`] from one table, so a code, its status and its title are written
/// once, side by side, and [`ProblemCode::ALL`] cannot miss a variant.
macro_rules! problem_codes {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident => ($code:literal, $status:ident, $title:literal),
    )+) => {
        /// Every kind of problem the API sends: the stable code clients branch on (the `type`
        /// after [`PROBLEM_PREFIX`]), with its HTTP status and its title. `api-spec/openapi.yaml`
        /// lists the same codes in `Problem.type`; a contract test holds the two together.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ProblemCode {
            /// Every problem code, in the order of the table.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)+];

            /// The code on the wire: the problem's `type` after [`PROBLEM_PREFIX`].
            pub const fn code(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $code,)+
                }
            }

            /// The HTTP status a problem of this code is sent with.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(ProblemCode::$variant => StatusCode::$status,)+
                }
            }

            /// The short summary of this kind of problem (the problem's `title`).
            pub const fn title(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $title,)+
                }
            }
        }
    };
}

problem_codes! {
    /// No, invalid or expired credentials.
    Unauthorized => ("unauthorized", UNAUTHORIZED, "Authentication required"),
    /// The caller's role may not do this.
    Forbidden => ("forbidden", FORBIDDEN, "Not allowed for your role"),
    /// No such record within the caller's scope, or no such route.
    NotFound => ("not-found", NOT_FOUND, "Not found"),
    /// The path exists, but not with this method.
    MethodNotAllowed => ("method-not-allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    /// Field values are invalid.
    ValidationFailed => ("validation-failed", UNPROCESSABLE_ENTITY, "Some fields are invalid"),
    /// The body is not JSON.
    MalformedJson => ("malformed-json", BAD_REQUEST, "The body is not valid JSON"),
    /// The body is JSON of the wrong shape.
    InvalidBody => (
        "invalid-body",
        UNPROCESSABLE_ENTITY,
        "The body does not match the expected shape"
    ),
    /// The body is not JSON by its content type.
    UnsupportedMediaType => (
        "unsupported-media-type",
        UNSUPPORTED_MEDIA_TYPE,
        "Unsupported content type"
    ),
    /// The body, or a declared upload, exceeds its limit.
    PayloadTooLarge => ("payload-too-large", PAYLOAD_TOO_LARGE, "Body too large"),
    /// A sync push carries too many mutations.
    BatchTooLarge => ("batch-too-large", PAYLOAD_TOO_LARGE, "Too many mutations in one push"),
    /// An upload's headers or body do not fit together.
    InvalidUpload => ("invalid-upload", BAD_REQUEST, "Invalid upload"),
    /// An upload chunk does not start where the server's copy ends.
    OffsetMismatch => ("offset-mismatch", CONFLICT, "Upload offset does not match"),
    /// The uploaded bytes do not have the announced SHA-256.
    HashMismatch => ("hash-mismatch", UNPROCESSABLE_ENTITY, "Upload does not match its hash"),
    /// The uploaded bytes are not a readable JPEG or PNG.
    NotAnImage => ("not-an-image", UNPROCESSABLE_ENTITY, "Not a readable photo"),
    /// The uploaded picture declares too many pixels.
    ImageTooLarge => ("image-too-large", UNPROCESSABLE_ENTITY, "Picture too large"),
    /// A query parameter is unknown or invalid.
    InvalidQuery => ("invalid-query", BAD_REQUEST, "Invalid query parameters"),
    /// The cursor was not issued for this query and caller.
    InvalidCursor => ("invalid-cursor", BAD_REQUEST, "Invalid cursor"),
    /// An update came without `If-Match`.
    IfMatchRequired => ("if-match-required", PRECONDITION_REQUIRED, "If-Match required"),
    /// `If-Match` does not name the current representation.
    StaleVersion => ("stale-version", PRECONDITION_FAILED, "The record has changed"),
    /// A unique value is already taken.
    Duplicate => ("duplicate", CONFLICT, "Already exists"),
    /// A referenced record does not exist.
    MissingReference => (
        "missing-reference",
        UNPROCESSABLE_ENTITY,
        "Referenced record not found"
    ),
    /// Sign-in locked after repeated failures.
    TooManyAttempts => ("too-many-attempts", TOO_MANY_REQUESTS, "Too many attempts"),
    /// The assessment cycle is approved; its records no longer change.
    CycleLocked => ("cycle-locked", CONFLICT, "The assessment cycle is locked"),
    /// The cycle's step does not allow this.
    WrongStep => ("wrong-step", CONFLICT, "Not allowed at this step of the cycle"),
    /// A step change skips a step.
    StepSkipped => ("step-skipped", CONFLICT, "Not allowed at this step of the cycle"),
    /// A step change back needs a reason.
    ReasonRequired => ("reason-required", CONFLICT, "Not allowed at this step of the cycle"),
    /// A step change to the step the cycle is at.
    SameStep => ("same-step", CONFLICT, "Not allowed at this step of the cycle"),
    /// The step needs the results aggregated first.
    NotAggregated => ("not-aggregated", CONFLICT, "Not allowed at this step of the cycle"),
    /// A response id is reused for a different response.
    AlreadySubmitted => ("already-submitted", CONFLICT, "Already submitted"),
    /// The evaluator works for, or is paired with, the assessee.
    ConflictOfInterest => ("conflict-of-interest", FORBIDDEN, "Conflict of interest"),
    /// A third-party evaluator scores an assessee it was not commissioned for.
    NotCommissioned => (
        "not-commissioned",
        FORBIDDEN,
        "Not commissioned for this assessee"
    ),
    /// The request's URL is longer than the server reads.
    UriTooLong => ("uri-too-long", URI_TOO_LONG, "URL too long"),
    /// The request has more header fields than the server reads.
    HeadersTooLarge => (
        "headers-too-large",
        REQUEST_HEADER_FIELDS_TOO_LARGE,
        "Too many header fields"
    ),
    /// The request's body stopped arriving.
    RequestTimeout => ("request-timeout", REQUEST_TIMEOUT, "The body stopped arriving"),
    /// A dependency is unavailable.
    Unavailable => ("unavailable", SERVICE_UNAVAILABLE, "Service unavailable"),
    /// An unexpected failure; details go to the log only.
    Internal => ("internal", INTERNAL_SERVER_ERROR, "Internal error"),
}

impl ProblemCode {
    /// The code whose wire form is `code`, if there is one (the store names its refusals by
    /// their wire code).
    pub fn from_code(code: &str) -> Option<ProblemCode> {
        ProblemCode::ALL.iter().copied().find(|c| c.code() == code)
    }

    /// The problem's `type`: [`PROBLEM_PREFIX`] and the code.
    pub fn type_uri(self) -> String {
        format!("{PROBLEM_PREFIX}{}", self.code())
    }
}

/// The store refused a request with a code that is no [`ProblemCode`]: a bug, sent as
/// `internal` rather than as a code no client knows.
#[derive(Debug, thiserror::Error)]
#[error("the store refused with {code:?}, which is no problem code: {detail}")]
pub struct UnknownRefusal {
    code: &'static str,
    detail: String,
}

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
    /// No byte of the body arrived for this many seconds.
    #[error("no byte of the body arrived for {0} s")]
    RequestTimeout(u64),
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
        /// Which rule.
        code: ProblemCode,
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
    /// The kind of problem this failure is sent as: the one mapping from failures to problem
    /// codes (and through them to statuses and titles).
    pub fn problem(&self) -> ProblemCode {
        use ProblemCode as P;
        match self {
            ApiError::Unauthorized(_) => P::Unauthorized,
            ApiError::Forbidden => P::Forbidden,
            ApiError::NotFound => P::NotFound,
            ApiError::MethodNotAllowed { .. } => P::MethodNotAllowed,
            ApiError::Validation(_) => P::ValidationFailed,
            ApiError::MalformedJson(_) => P::MalformedJson,
            ApiError::InvalidBody { .. } => P::InvalidBody,
            ApiError::UnsupportedMediaType => P::UnsupportedMediaType,
            ApiError::PayloadTooLarge(_) => P::PayloadTooLarge,
            ApiError::BatchTooLarge(_) => P::BatchTooLarge,
            ApiError::InvalidUpload(_) => P::InvalidUpload,
            ApiError::OffsetMismatch { .. } => P::OffsetMismatch,
            ApiError::HashMismatch => P::HashMismatch,
            ApiError::NotAnImage(_) => P::NotAnImage,
            ApiError::ImageTooLarge { .. } => P::ImageTooLarge,
            ApiError::UriTooLong(_) => P::UriTooLong,
            ApiError::HeadersTooLarge(_) => P::HeadersTooLarge,
            ApiError::RequestTimeout(_) => P::RequestTimeout,
            ApiError::InvalidQuery(_) => P::InvalidQuery,
            ApiError::InvalidCursor => P::InvalidCursor,
            ApiError::PreconditionRequired => P::IfMatchRequired,
            ApiError::PreconditionFailed => P::StaleVersion,
            ApiError::Duplicate(_) => P::Duplicate,
            ApiError::MissingReference(_) => P::MissingReference,
            ApiError::TooManyAttempts { .. } => P::TooManyAttempts,
            ApiError::Unavailable(_) => P::Unavailable,
            ApiError::Locked => P::CycleLocked,
            ApiError::Refused { code, .. } => *code,
            ApiError::Internal(_) => P::Internal,
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
        self.problem().status()
    }

    fn error_response(&self) -> HttpResponse {
        let code = self.problem();
        let status = code.status();
        if status.is_server_error() {
            // The whole cause chain goes to the log; the client gets the stable type only.
            let mut chain = format!("{self}");
            let mut source = std::error::Error::source(self);
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(problem = code.code(), cause = %chain, "request failed");
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
            kind: code.type_uri(),
            title: code.title(),
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
            StoreError::Refused { code, detail } => match ProblemCode::from_code(code) {
                Some(code) => ApiError::Refused { code, detail },
                None => ApiError::internal(UnknownRefusal { code, detail }),
            },
            StoreError::Busy => {
                ApiError::Unavailable("the database is busy with another writer".into())
            }
            // The driver's message stays in the log (it may name hosts); the client learns
            // only that the database is unreachable and when to try again.
            StoreError::Unavailable(e) => {
                tracing::warn!(cause = %e, "database unavailable");
                ApiError::Unavailable("the database is unavailable".into())
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
        use fieldcheck_media::MediaError as M;
        match e {
            // The SDK's words (endpoint, bucket, transport errors) stay in the log.
            M::Unavailable(m) => {
                tracing::warn!(cause = %m, "blob store unavailable");
                ApiError::Unavailable("the blob store is unavailable".into())
            }
            M::UploadOffsetMismatch { held } => ApiError::OffsetMismatch { held },
            M::UploadLengthChanged { .. }
            | M::UploadLengthMissing
            | M::UploadTooLong { .. }
            | M::UploadChunkMismatch => ApiError::InvalidUpload(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(v: ValidationErrors) -> Self {
        ApiError::Validation(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_kebab_case_and_read_back() {
        for code in ProblemCode::ALL {
            let wire = code.code();
            assert!(
                wire.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{wire}"
            );
            assert_eq!(ProblemCode::from_code(wire), Some(*code));
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
        assert_eq!(ProblemCode::from_code("no-such-code"), None);
    }

    #[test]
    fn an_unreachable_database_is_unavailable_without_the_drivers_words() {
        let e = ApiError::from(StoreError::Unavailable(
            fieldcheck_store::sea_orm::DbErr::Conn(
                fieldcheck_store::sea_orm::RuntimeErr::Internal(
                    "connection refused by 10.0.0.5:5432".into(),
                ),
            ),
        ));
        assert_eq!(e.problem(), ProblemCode::Unavailable);
        let res = e.error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            res.headers().get(header::RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"5"[..])
        );
        assert!(!e.to_string().contains("10.0.0.5"), "{e}");
    }

    #[test]
    fn a_refusal_takes_its_codes_status_and_an_unknown_one_is_internal() {
        let known = ApiError::from(StoreError::Refused {
            code: "conflict-of-interest",
            detail: "paired".into(),
        });
        assert_eq!(known.problem(), ProblemCode::ConflictOfInterest);
        assert_eq!(known.status_code(), StatusCode::FORBIDDEN);
        let unknown = ApiError::from(StoreError::Refused {
            code: "no-such-rule",
            detail: "x".into(),
        });
        assert_eq!(unknown.problem(), ProblemCode::Internal);
    }
}
