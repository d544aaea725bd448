//! Slow clients must not hold the server: a request's head must arrive within
//! `limits.request_head_secs` (actix-web answers 408 and closes), idle keep-alive connections
//! close after `limits.keep_alive_secs`, and a body that sends nothing for
//! `limits.body_idle_secs` ends: [`body_idle_timeout`] wraps every request's body so that a
//! stalled read fails instead of waiting for ever. Waiting costs a task, not a thread, so a
//! thousand idle connections cost memory only while these bounds let them live.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The error a stalled body ends with: no byte arrived for this many seconds.
#[derive(Debug, thiserror::Error)]
#[error("no byte of the request body arrived for {0} s")]
struct Stalled(u64);

/// Ends every request body that sends nothing for `idle`.
pub async fn body_idle_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let idle = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|s| Duration::from_secs(s.config.limits.body_idle_secs));
    if let Some(idle) = idle {
        let body = req.take_payload();
        let guarded: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(IdleLimited::new(body, idle));
        req.set_payload(Payload::from(guarded));
    }
    next.call(req).await
}

/// How long a body had stalled, if `e` is the error [`body_idle_timeout`] ended it with.
pub fn idle_seconds(e: &PayloadError) -> Option<u64> {
    match e {
        PayloadError::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Stalled>())
            .map(|stalled| stalled.0),
        _ => None,
    }
}

/// A body that fails once no byte arrived for `idle`.
struct IdleLimited {
    inner: Payload,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    done: bool,
}

impl IdleLimited {
    fn new(inner: Payload, idle: Duration) -> Self {
        IdleLimited {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            done: false,
        }
    }
}

impl Stream for IdleLimited {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                let next = Instant::now() + self.idle;
                self.deadline.as_mut().reset(next);
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(other) => {
                self.done = true;
                Poll::Ready(other)
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.done = true;
                    let stalled = Stalled(self.idle.as_secs());
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        stalled,
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
