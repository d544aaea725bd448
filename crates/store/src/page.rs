//! Keyset pagination: a page continues strictly after the last id seen, so rows inserted while a
//! client pages never make it skip or repeat a row that existed when it started. Ids are UUIDv7,
//! so pages follow creation order.

use serde::Serialize;
use uuid::Uuid;

/// Largest page a client may ask for.
pub const MAX_LIMIT: u64 = 500;
/// Page size when the client does not say.
pub const DEFAULT_LIMIT: u64 = 50;

/// Where a page starts and how long it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct PageRequest {
    /// Continue after this id.
    pub after: Option<Uuid>,
    /// Page size, already clamped.
    pub limit: u64,
}

impl PageRequest {
    /// Clamps the requested size to `1..=MAX_LIMIT`.
    pub fn new(after: Option<Uuid>, limit: Option<u64>) -> Self {
        PageRequest {
            after,
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        }
    }
}

/// One page of results and the id to continue after, if there is more.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The last id of this page when more rows follow.
    #[serde(skip)]
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows.
    pub fn from_rows(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> Uuid) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_after = if more { rows.last().map(&id) } else { None };
        Page {
            items: rows,
            next_after,
        }
    }

    /// Converts the rows, keeping the continuation.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

/// Runs `select` as one keyset page ordered by `id_col`.
pub async fn fetch_page<E, C>(
    conn: &C,
    select: sea_orm::Select<E>,
    id_col: E::Column,
    page: PageRequest,
    id: impl Fn(&E::Model) -> Uuid,
) -> Result<Page<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut q = select.order_by_asc(id_col).limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(id_col.gt(after));
    }
    let rows = q.all(conn).await?;
    Ok(Page::from_rows(rows, page.limit, id))
}
