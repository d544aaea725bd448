//! `/ui/import`: upload a CSV or XLSX of households, see what an import would change (the very
//! import, run in a transaction that is rolled back) and every bad row, then import exactly the
//! previewed file, which waits staged under the data directory.

use super::staging::{self, Refused, Staged};
use crate::i18n::registry::ZH_CN as R;
use crate::layout::*;
use crate::multipart::{self, BodyError};
use crate::{Reviewer, WebError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::StoreError;
use fieldcheck_store::import::{
    HouseholdChange, ImportMode, ImportOutcome, ImportReport, RowError, run_import,
};
use maud::{Markup, html};
use serde::Deserialize;

/// The largest file accepted.
pub(crate) const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// At most this many households are listed in a preview.
const LISTED: usize = 300;

fn with_status(mut r: HttpResponse, status: StatusCode) -> HttpResponse {
    *r.status_mut() = status;
    r
}

fn upload_form(who: &Reviewer) -> Markup {
    html! {
        form.upload method="post" action="/ui/import/preview" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(who.csrf);
            label { (R.file) " " input #file type="file" name="file" accept=".csv,.xlsx" required; }
            " "
            button #preview type="submit" { (R.preview) }
        }
    }
}

/// The upload form, with a message about the last attempt if there was one.
fn upload_page(who: &Reviewer, message: Option<&str>, status: StatusCode) -> HttpResponse {
    let body = html! {
        p { (R.intro) }
        p { a href="/ui/units" { (crate::i18n::people::ZH_CN.units_title) } }
        @if let Some(m) = message { p.error #import-error role="alert" { (m) } }
        (upload_form(who))
    };
    with_status(layout(who, R.title, body), status)
}

/// What the import did, as the redirect after it carries it.
#[derive(Deserialize)]
pub(crate) struct Done {
    created: Option<usize>,
    updated: Option<usize>,
    unchanged: Option<usize>,
    members: Option<usize>,
    plans: Option<usize>,
    measures: Option<usize>,
    units: Option<usize>,
    persons: Option<usize>,
}

fn counts_table(r: &ImportReport) -> Markup {
    let row = |what: &str, new: usize, changed: Option<usize>, unchanged: Option<usize>| {
        html! {
            tr {
                th scope="row" { (what) }
                td.num { (new) }
                td.num { (changed.map(|n| n.to_string()).unwrap_or_default()) }
                td.num { (unchanged.map(|n| n.to_string()).unwrap_or_default()) }
            }
        }
    };
    html! {
        table #import-counts {
            thead { tr { th scope="col" { (R.what) } th scope="col" { (R.new) } th scope="col" { (R.changed) } th scope="col" { (R.unchanged) } } }
            tbody {
                (row(R.households, r.households_created, Some(r.households_updated), Some(r.households_unchanged)))
                (row(R.members, r.members_created, None, None))
                (row(R.plans, r.plans_created, None, None))
                (row(R.measures, r.measures_created, None, None))
                (row(R.units, r.units_created, None, None))
                (row(R.persons, r.persons_created, None, None))
            }
        }
    }
}

/// `GET /ui/import`: the upload form, or what the last import did.
pub(crate) async fn page(who: Reviewer, q: web::Query<Done>) -> Page {
    who.require(Action::EditRegistry)?;
    let Some(created) = q.created else {
        return Ok(upload_page(&who, None, StatusCode::OK));
    };
    let report = ImportReport {
        households_created: created,
        households_updated: q.updated.unwrap_or(0),
        households_unchanged: q.unchanged.unwrap_or(0),
        members_created: q.members.unwrap_or(0),
        plans_created: q.plans.unwrap_or(0),
        measures_created: q.measures.unwrap_or(0),
        units_created: q.units.unwrap_or(0),
        persons_created: q.persons.unwrap_or(0),
    };
    let body = html! {
        p.ok #import-done role="status" { (R.done) }
        (counts_table(&report))
        h2 { (R.again) }
        (upload_form(&who))
    };
    Ok(layout(&who, R.title, body))
}

fn errors_table(errors: &[RowError]) -> Markup {
    html! {
        p { (R.problem_count) "：" span #problem-count { (errors.len()) } }
        table #import-errors {
            thead { tr { th scope="col" { (R.line) } th scope="col" { (R.column) } th scope="col" { (R.reason) } } }
            tbody {
                @for e in errors {
                    tr { td.num { (e.line) } td { (e.column.as_deref().unwrap_or("")) } td { (e.reason) } }
                }
            }
        }
    }
}

fn households_table(list: &[HouseholdChange]) -> Markup {
    html! {
        h2 { (R.list_title) }
        table #import-households {
            thead { tr { th scope="col" { (R.registration_no) } th scope="col" { (R.head) } th scope="col" { (R.change) } } }
            tbody {
                @for h in list.iter().take(LISTED) {
                    tr {
                        td.mono { (h.registration_no) }
                        td { (h.head_name_masked) }
                        td { (if h.created { R.new } else { R.changed }) }
                    }
                }
            }
        }
        @if list.len() > LISTED { p { (R.more) "：" (list.len() - LISTED) } }
    }
}

/// The problems of a file: nothing imported, no import button, the upload form again.
fn problems_page(
    who: &Reviewer,
    lead: &str,
    errors: &[RowError],
    status: StatusCode,
) -> HttpResponse {
    let body = html! {
        p.error #import-error role="alert" { (lead) }
        (errors_table(errors))
        h2 { (R.again) }
        (upload_form(who))
    };
    with_status(layout(who, R.preview_title, body), status)
}

/// The uploaded file's name as the audit shows it: its last path component, at most 200
/// characters.
fn source_name(filename: &str) -> String {
    filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WebError> {
    web::block(f)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))
}

/// `POST /ui/import/preview` (multipart: `csrf`, `file`): stages the file and shows what an
/// import would do, or every problem of the file.
pub(crate) async fn preview(
    state: web::Data<AppState>,
    who: Reviewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Page {
    who.require(Action::EditRegistry)?;
    let parts = match multipart::read(&req, payload, MAX_FILE_BYTES).await {
        Ok(p) => p,
        Err(BodyError::TooLarge) => {
            return Ok(upload_page(
                &who,
                Some(R.too_large),
                StatusCode::PAYLOAD_TOO_LARGE,
            ));
        }
        Err(BodyError::Malformed) => {
            return Ok(upload_page(
                &who,
                Some(R.malformed),
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    let csrf = parts
        .iter()
        .find(|p| p.name == "csrf")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default();
    who.check_csrf(&csrf)?;
    let Some(file) = parts
        .into_iter()
        .find(|p| p.name == "file" && p.filename.as_deref().is_some_and(|f| !f.is_empty()))
    else {
        return Ok(upload_page(&who, Some(R.no_file), StatusCode::BAD_REQUEST));
    };
    let source = source_name(file.filename.as_deref().unwrap_or_default());
    let ext = match source.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
        Some(e) if e == "csv" => "csv",
        Some(e) if e == "xlsx" || e == "xlsm" => "xlsx",
        _ => return Ok(upload_page(&who, Some(R.bad_type), StatusCode::BAD_REQUEST)),
    };
    if file.data.len() > MAX_FILE_BYTES {
        return Ok(upload_page(
            &who,
            Some(R.too_large),
            StatusCode::PAYLOAD_TOO_LARGE,
        ));
    }
    let data_dir = state.config.data_dir.clone();
    let user = who.principal.user;
    let (token, staged) = {
        let source = source.clone();
        blocking(move || staging::stage(&data_dir, user, &source, ext, &file.data))
            .await?
            .map_err(|e| WebError::Internal(format!("staging an upload: {e}")))?
    };
    let run = run_import(
        &state.store,
        &staged.path,
        &source,
        Some(user),
        ImportMode::Preview,
    )
    .await;
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            blocking(move || staging::remove(&staged)).await?;
            return match e {
                StoreError::File(message) => {
                    Ok(upload_page(&who, Some(&message), StatusCode::BAD_REQUEST))
                }
                other => Err(other.into()),
            };
        }
    };
    let report = match run.outcome {
        ImportOutcome::Rejected(errors) => {
            blocking(move || staging::remove(&staged)).await?;
            return Ok(problems_page(
                &who,
                R.has_problems,
                &errors,
                StatusCode::BAD_REQUEST,
            ));
        }
        ImportOutcome::Imported(r) => r,
    };
    let body = html! {
        p #preview-note { (R.preview_note) " " span.mono { (source) } }
        (counts_table(&report))
        @if run.households.is_empty() {
            p #all-unchanged { (R.all_unchanged) }
        } @else {
            (households_table(&run.households))
        }
        form.import method="post" action="/ui/import/commit" {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="token" value=(token);
            button #import type="submit" { (R.import) }
        }
        p { a href="/ui/import" { (R.again) } }
    };
    Ok(layout(&who, R.preview_title, body))
}

#[derive(Deserialize)]
pub(crate) struct CommitForm {
    csrf: String,
    token: String,
}

/// `POST /ui/import/commit`: imports the previewed file, audited under the caller, and removes
/// it; then shows what was done.
pub(crate) async fn commit(
    state: web::Data<AppState>,
    who: Reviewer,
    form: web::Form<CommitForm>,
) -> Page {
    who.require(Action::EditRegistry)?;
    who.check_csrf(&form.csrf)?;
    let data_dir = state.config.data_dir.clone();
    let user = who.principal.user;
    let token = form.token.clone();
    let staged: Staged = match blocking(move || staging::find(&data_dir, user, &token)).await? {
        Ok(s) => s,
        Err(Refused::Gone) => {
            return Ok(upload_page(&who, Some(R.expired), StatusCode::CONFLICT));
        }
        Err(Refused::Io(e)) => return Err(WebError::Internal(format!("staged upload: {e}"))),
    };
    let run = run_import(
        &state.store,
        &staged.path,
        &staged.source,
        Some(user),
        ImportMode::Write,
    )
    .await?;
    blocking(move || staging::remove(&staged)).await?;
    match run.outcome {
        ImportOutcome::Rejected(errors) => Ok(problems_page(
            &who,
            R.changed_since,
            &errors,
            StatusCode::CONFLICT,
        )),
        ImportOutcome::Imported(r) => Ok(see_other(&format!(
            "/ui/import?created={}&updated={}&unchanged={}&members={}&plans={}&measures={}&units={}&persons={}",
            r.households_created,
            r.households_updated,
            r.households_unchanged,
            r.members_created,
            r.plans_created,
            r.measures_created,
            r.units_created,
            r.persons_created,
        ))),
    }
}
