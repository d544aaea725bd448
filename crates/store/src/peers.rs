//! Several servers on one PostgreSQL: a write committed on any of them ends the cached reads of
//! all of them, within the time a notification takes, instead of within the cache's time-to-live.
//!
//! Every write transaction announces itself with `NOTIFY` on [`CHANNEL`] before it commits;
//! PostgreSQL delivers the notification only if the transaction commits, and only after it has.
//! A server that follows its peers ([`crate::Store::follow_peers`], done by `serve`) listens on
//! one connection of its pool and moves its cache generation on for every notification that is
//! not its own. Whenever it is not listening — before the first `LISTEN`, or after its connection
//! was lost until a new one listens — its caches serve and keep nothing, so a peer's write is
//! never missed: the time-to-live is only a safety net.

use crate::cache::Freshness;
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The channel write transactions announce themselves on.
pub const CHANNEL: &str = "fieldcheck_writes";

/// How long to wait before listening again after a failure, at most.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The statement a write transaction runs before committing; `node` tells a server its own
/// writes apart (they already moved its generation).
pub(crate) fn announcement(node: &str) -> String {
    // `node` is hex made by `new_node_id`, never input: nothing to quote.
    format!("NOTIFY {CHANNEL}, '{node}'")
}

/// An id for one server process, random, hex.
pub(crate) fn new_node_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Listens for peers' writes until the store is dropped; see the module's documentation.
pub(crate) fn follow(pool: PgPool, node: String, freshness: &Arc<Freshness>) {
    freshness.set_hearing_peers(false);
    let freshness = Arc::downgrade(freshness);
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        loop {
            match listen(&pool).await {
                Ok(listener) => {
                    backoff = Duration::from_millis(100);
                    if !hear(listener, &node, &freshness).await {
                        return;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot listen for other servers' writes"),
            }
            match freshness.upgrade() {
                Some(f) => f.set_hearing_peers(false),
                None => return,
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    });
}

async fn listen(pool: &PgPool) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Moves the generation on for each peer's write until the connection fails (`true`: listen
/// again) or the store is gone (`false`).
async fn hear(mut listener: PgListener, node: &str, freshness: &Weak<Freshness>) -> bool {
    match freshness.upgrade() {
        Some(f) => f.set_hearing_peers(true),
        None => return false,
    }
    loop {
        let event = listener.try_recv().await;
        let Some(f) = freshness.upgrade() else {
            return false;
        };
        match event {
            Ok(Some(n)) if n.payload() == node => {}
            Ok(Some(_)) => f.bump(),
            // The connection was lost and made again: what peers wrote in between went unheard.
            Ok(None) => {
                tracing::warn!(
                    "the connection hearing other servers' writes was lost; listening again"
                );
                f.bump();
            }
            Err(e) => {
                tracing::warn!(error = %e, "stopped hearing other servers' writes");
                return true;
            }
        }
    }
}
