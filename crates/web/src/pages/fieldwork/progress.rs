//! Progress of a cycle's assignments per field user and per village.

use super::{cycle_nav, path_id};
use crate::Reviewer;
use crate::i18n::ZH_CN as T;
use crate::i18n::fieldwork::ZH_CN as F;
use crate::layout::*;
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::assessment::{self as cycles_store, FieldProgress, ProgressBy};
use maud::{Markup, html};
use uuid::Uuid;

fn table(
    id: &str,
    first: &str,
    last: &str,
    rows: &[FieldProgress],
    link: impl Fn(&FieldProgress) -> Markup,
) -> Markup {
    let sum = |f: fn(&FieldProgress) -> i64| rows.iter().map(f).sum::<i64>();
    html! {
        table id=(id) {
            thead { tr {
                th { (first) } th { (F.assigned) } th { (F.visited) } th { (F.surveyed) }
                th { (F.due) } th { (F.overdue) } th { (last) }
            } }
            tbody {
                @for r in rows {
                    tr data-code=(r.code) {
                        td { (r.label) " " small { (r.code) } }
                        td.num.assigned { (r.assigned) } td.num.visited { (r.visited) }
                        td.num.surveyed { (r.surveyed) } td.num.due { (r.due) }
                        td.num.overdue .late[r.overdue > 0] { (r.overdue) }
                        td { (link(r)) }
                    }
                }
                tr.total {
                    td { (F.total) }
                    td.num { (sum(|r| r.assigned)) } td.num { (sum(|r| r.visited)) }
                    td.num { (sum(|r| r.surveyed)) } td.num { (sum(|r| r.due)) }
                    td.num { (sum(|r| r.overdue)) } td {}
                }
            }
        }
    }
}

/// `GET /ui/fieldwork/cycles/{id}/progress`.
pub(crate) async fn page(state: web::Data<AppState>, who: Reviewer, id: web::Path<String>) -> Page {
    who.require(Action::ManageCycles)?;
    let cid: Uuid = path_id(&id)?;
    let db = &state.store.db;
    let p = &who.principal;
    let c = cycles_store::get_cycle(db, cid).await?;
    let today = chrono::Utc::now().date_naive();
    let users = cycles_store::field_progress(db, &p.scope, cid, today, ProgressBy::User).await?;
    let villages =
        cycles_store::field_progress(db, &p.scope, cid, today, ProgressBy::Village).await?;
    let body = html! {
        (cycle_nav(cid))
        h2 { (F.per_user) }
        (table("progress-users", F.user, F.assignments, &users, |r| html! {
            a href={ "/ui/fieldwork/cycles/" (cid) "/assignments?user=" (r.id) } { (F.assignments) }
        }))
        h2 { (F.per_village) }
        (table("progress-villages", F.village, F.evidence, &villages, |r| html! {
            a href={ "/ui/gallery?village=" (r.id) } { (F.photos) }
        }))
    };
    Ok(layout(
        &who,
        &format!("{} {} · {}", T.cycle, c.year, F.progress),
        body,
    ))
}
