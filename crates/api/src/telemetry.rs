//! Request ids, structured logs and Prometheus metrics, and the request's span carried into
//! blocking work.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;
use tracing::Instrument;

/// The id of the current request, echoed in `X-Request-Id`.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Sets up `tracing`: JSON lines (default) or human-readable, filtered by `level`. Lines are
/// written to stderr by a thread of their own, so a request never waits on the terminal or the
/// log collector's pipe; when the queue is full, writers wait rather than drop lines. Keep the
/// returned guard alive until exit: dropping it writes out what is still queued.
pub fn init_tracing(format: &str, level: &str) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::{EnvFilter, fmt};
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    let filter = EnvFilter::try_new(with_quiet_parser(level))
        .unwrap_or_else(|_| EnvFilter::new(with_quiet_parser("info")));
    let builder = fmt().with_env_filter(filter).with_writer(writer);
    let _ = if format == "pretty" {
        builder.try_init()
    } else {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    };
    guard
}

/// actix-http logs every request it cannot parse (a URL over 64 KiB, over 96 header fields, a
/// control byte in a header) at ERROR before answering it 400/431 itself; that is a client's
/// mistake, and logging it at ERROR would let any client flood the error log. Its dispatcher's
/// connection errors are all of that kind, so they are off unless `log.level` names the target.
fn with_quiet_parser(level: &str) -> String {
    if level.contains("actix_http") {
        level.to_owned()
    } else {
        format!("{level},actix_http::h1::dispatcher=off")
    }
}

const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counts and latency histograms by route, method and status.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Ok(mut map) = self.series.lock() else {
            return;
        };
        let s = map
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// Renders the Prometheus text exposition format.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        out.push_str(
            "# HELP fieldcheck_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE fieldcheck_http_requests_total counter\n");
        let Ok(map) = self.series.lock() else {
            return out;
        };
        for ((route, method, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "fieldcheck_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP fieldcheck_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE fieldcheck_http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in map.iter() {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "fieldcheck_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "fieldcheck_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "fieldcheck_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "fieldcheck_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

fn acceptable_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
    .then(|| s.to_owned())
}

/// Gives every request an id (the client's `X-Request-Id` if sane), a span that every log line
/// inside carries, an access-log line (path only: query strings may hold personal data), and
/// metrics.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let header = HeaderName::from_static("x-request-id");
    let id = req
        .headers()
        .get(&header)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req
        .app_data::<web::Data<crate::state::AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path, user_id = tracing::field::Empty);
    let start = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = start.elapsed().as_secs_f64();
    let mut res = result?;
    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Some(m) = metrics {
        m.observe(&route, &method, status, elapsed);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(header, v);
    }
    span.in_scope(|| tracing::info!(status, route = %route, latency_ms = elapsed * 1000.0, "request finished"));
    Ok(res)
}

/// Runs `work` on the blocking thread pool (as `web::block` does) inside the caller's current
/// span. Without it, what the work logs (an argon2 or decoder failure, say) would lose the
/// request's id and user: a span belongs to the thread that entered it, and the pool's threads
/// entered none.
pub async fn spawn_blocking_in_span<F, R>(work: F) -> Result<R, actix_web::error::BlockingError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    web::block(move || span.in_scope(work)).await
}

/// Sets up `tracing` as JSON lines appended to `path` (tests keep their server logs this way so
/// they can be searched for personal data afterwards).
pub fn init_tracing_file(path: &std::path::Path, level: &str) -> std::io::Result<()> {
    use tracing_subscriber::{EnvFilter, fmt};
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tracing_subscriber::layer::{Context, SubscriberExt};

    /// Records the name of the span each event happens in.
    struct SpanOfEvents(Arc<Mutex<Vec<Option<String>>>>);

    impl<S> tracing_subscriber::Layer<S> for SpanOfEvents
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
            let name = ctx.event_span(event).map(|s| s.name().to_owned());
            self.0.lock().unwrap().push(name);
        }
    }

    #[actix_web::test]
    async fn blocking_work_logs_inside_the_callers_span() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(SpanOfEvents(seen.clone()));
        // The pool's threads see only the global subscriber; a test process has no other.
        if tracing::subscriber::set_global_default(subscriber).is_err() {
            return;
        }
        let answer = spawn_blocking_in_span(|| {
            tracing::info!("inside");
            42
        })
        .instrument(tracing::info_span!("request"))
        .await
        .unwrap();
        assert_eq!(answer, 42);
        assert_eq!(*seen.lock().unwrap(), vec![Some("request".to_owned())]);
    }
}
