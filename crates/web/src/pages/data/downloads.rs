//! Raw data for analysts: survey responses (XLSX with a codebook sheet, or CSV with the codebook
//! as a second CSV), visits with their checklist findings and photos' metadata (CSV). Each
//! download reads the caller's records exactly as the API's lists do, page by page, is audited
//! before its first byte is sent, and is streamed: CSV as it is written, XLSX written by
//! rust_xlsxwriter's constant-memory mode to a temporary file (unlinked, so nothing is left
//! behind) and then streamed from it. Neither sits whole in memory.

use super::rows::{self, Cell, Labels, ResponseTable};
use crate::i18n::{self, ZH_CN as T, data::ZH_CN as D};
use crate::layout::*;
use crate::pages::gallery::GalleryQuery;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::header, web};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use fieldcheck_api::auth::Principal;
use fieldcheck_api::handlers::{photos::sees_locations, responses::own_only};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_domain::questionnaire::Questionnaire;
use fieldcheck_store::assessment::{self as cycles_store, StoredQuestionnaire};
use fieldcheck_store::photos::{self, PhotoFilter};
use fieldcheck_store::{PageRequest, audit, fieldwork, sync};
use maud::html;
use serde::Deserialize;
use std::io::{Read, Seek, SeekFrom, Write};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Records read per page.
const PAGE: u64 = 500;

/// What one download reads, page by page.
enum Source {
    Responses {
        cycle: Uuid,
        questionnaire: Box<Questionnaire>,
        questionnaire_id: Uuid,
    },
    Visits {
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    },
    Photos {
        filter: Box<PhotoFilter>,
    },
}

/// A download's pages of rows, read with the caller's scope.
struct Rows {
    state: web::Data<AppState>,
    who: Principal,
    names_in_clear: bool,
    source: Source,
    after: Option<Uuid>,
    done: bool,
}

impl Rows {
    fn headers(&self) -> Vec<String> {
        match &self.source {
            Source::Responses { questionnaire, .. } => ResponseTable::new(questionnaire).headers(),
            Source::Visits { .. } => rows::visit_headers(),
            Source::Photos { .. } => rows::photo_headers(),
        }
    }

    async fn labels(
        &self,
        households: &[Uuid],
        assessees: &[Uuid],
        users: &[Uuid],
    ) -> Result<Labels, WebError> {
        let db = &self.state.store.db;
        Ok(Labels {
            households: fieldwork::household_labels(db, &self.who.scope, households).await?,
            assessees: fieldwork::assessee_names(db, assessees).await?,
            users: fieldwork::usernames(db, users).await?,
            names_in_clear: self.names_in_clear,
        })
    }

    /// The next page of rows, `None` after the last.
    async fn next(&mut self) -> Result<Option<Vec<Vec<Cell>>>, WebError> {
        if self.done {
            return Ok(None);
        }
        let db = &self.state.store.db;
        let p = &self.who;
        let (out, last, full) = match &self.source {
            Source::Responses {
                cycle,
                questionnaire,
                questionnaire_id,
            } => {
                let items = fieldwork::responses_page(
                    db,
                    &p.scope,
                    own_only(p),
                    *cycle,
                    *questionnaire_id,
                    self.after,
                    PAGE,
                )
                .await?;
                let hs: Vec<Uuid> = items.iter().map(|r| r.household_id).collect();
                let as_: Vec<Uuid> = items.iter().flat_map(|r| r.assessee_ids.clone()).collect();
                let us: Vec<Uuid> = items.iter().map(|r| r.user_id).collect();
                let labels = self.labels(&hs, &as_, &us).await?;
                let table = ResponseTable::new(questionnaire);
                let out: Vec<Vec<Cell>> = items.iter().map(|r| table.row(r, &labels)).collect();
                (out, items.last().map(|r| r.id), items.len() as u64 == PAGE)
            }
            Source::Visits { window } => {
                let items = sync::visits_page(db, &p.scope, *window, self.after, PAGE).await?;
                let hs: Vec<Uuid> = items.iter().map(|v| v.household_id).collect();
                let us: Vec<Uuid> = items.iter().map(|v| v.user_id).collect();
                let labels = self.labels(&hs, &[], &us).await?;
                let locations = sees_locations(p);
                let out = items
                    .iter()
                    .map(|v| rows::visit_row(v, &labels, locations))
                    .collect();
                (out, items.last().map(|v| v.id), items.len() as u64 == PAGE)
            }
            Source::Photos { filter } => {
                let page = photos::list(
                    db,
                    &p.scope,
                    filter,
                    PageRequest::new(self.after, Some(PAGE)),
                    sees_locations(p),
                )
                .await?;
                let hs: Vec<Uuid> = page.items.iter().map(|ph| ph.household_id).collect();
                let labels = self.labels(&hs, &[], &[]).await?;
                let out = page
                    .items
                    .iter()
                    .map(|ph| rows::photo_row(ph, &labels))
                    .collect();
                (out, page.next_after, page.next_after.is_some())
            }
        };
        self.after = last;
        self.done = !full || last.is_none();
        Ok(Some(out))
    }
}

/// The audit entry of a download, written (and committed) before anything is sent.
async fn audit_download(
    state: &AppState,
    who: &Principal,
    kind: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<(), WebError> {
    let txn = state.store.write().await?;
    audit::record(&*txn, Some(who.user), "data.export", kind, target, details).await?;
    txn.commit().await?;
    Ok(())
}

fn csv_bytes(rows: &[Vec<String>]) -> Result<Bytes, WebError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r)
            .map_err(|e| WebError::Internal(e.to_string()))?;
    }
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| WebError::Internal(e.to_string()))
}

fn attachment(name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

type Chunks = mpsc::Receiver<Result<Bytes, std::io::Error>>;

fn streamed(rx: Chunks, content_type: &str, name: &str) -> HttpResponse {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(attachment(name))
        .streaming(stream)
}

/// Streams `rows` as CSV: UTF-8 with a byte-order mark (so Excel reads the Chinese), the header
/// row first, each page written as soon as it is read.
fn csv_stream(mut rows: Rows, name: &str) -> Result<HttpResponse, WebError> {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let mut first = b"\xEF\xBB\xBF".to_vec();
    first.extend_from_slice(&csv_bytes(&[rows.headers()])?);
    tokio::spawn(async move {
        if tx.send(Ok(Bytes::from(first))).await.is_err() {
            return;
        }
        loop {
            let chunk = match rows.next().await {
                Ok(None) => return,
                Ok(Some(page)) => {
                    let text: Vec<Vec<String>> = page
                        .iter()
                        .map(|r| r.iter().map(Cell::to_text).collect())
                        .collect();
                    csv_bytes(&text)
                }
                Err(e) => Err(e),
            };
            let item = chunk.map_err(|e| {
                tracing::warn!(error = %e, "raw data download stopped");
                std::io::Error::other("download stopped")
            });
            let stop = item.is_err();
            if tx.send(item).await.is_err() || stop {
                return;
            }
        }
    });
    Ok(streamed(rx, "text/csv; charset=utf-8", name))
}

fn write_cells(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    cells: &[Cell],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, cell) in cells.iter().enumerate() {
        let c = c as u16;
        match cell {
            Cell::Empty => {}
            Cell::Text(s) => {
                ws.write_string(row, c, s)?;
            }
            Cell::Number(n) => {
                ws.write_number(row, c, *n)?;
            }
        }
    }
    Ok(())
}

/// Writes the workbook in a blocking thread while the pages are read here; rows go to the
/// writer through a small channel, so only a page or two is ever held.
async fn xlsx_stream(
    mut rows: Rows,
    codebook: Option<(Vec<String>, Vec<Vec<Cell>>)>,
    name: &str,
) -> Result<HttpResponse, WebError> {
    let headers: Vec<Cell> = rows.headers().into_iter().map(Cell::Text).collect();
    let (tx, mut rx) = mpsc::channel::<Vec<Vec<Cell>>>(2);
    let writer = fieldcheck_api::telemetry::spawn_blocking_in_span(move || {
        let run = || -> Result<std::fs::File, rust_xlsxwriter::XlsxError> {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet_with_constant_memory();
            ws.set_name(D.sheet_data)?;
            write_cells(ws, 0, &headers)?;
            ws.set_freeze_panes(1, 0)?;
            let mut at = 1u32;
            while let Some(page) = rx.blocking_recv() {
                for r in page {
                    write_cells(ws, at, &r)?;
                    at += 1;
                }
            }
            if let Some((head, lines)) = codebook {
                let cb = wb.add_worksheet_with_constant_memory();
                cb.set_name(D.sheet_codebook)?;
                let head: Vec<Cell> = head.into_iter().map(Cell::Text).collect();
                write_cells(cb, 0, &head)?;
                for (i, l) in lines.iter().enumerate() {
                    write_cells(cb, i as u32 + 1, l)?;
                }
            }
            let mut file = tempfile::tempfile()?;
            wb.save_to_writer(&mut file)?;
            file.flush()?;
            file.seek(SeekFrom::Start(0))?;
            Ok(file)
        };
        run()
    });
    let mut failed = None;
    loop {
        match rows.next().await {
            Ok(Some(page)) => {
                if tx.send(page).await.is_err() {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    drop(tx);
    let file = writer
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    if let Some(e) = failed {
        return Err(e);
    }
    let (ctx, crx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let item = match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => Ok(Bytes::copy_from_slice(&buf[..n])),
                Err(e) => Err(e),
            };
            let stop = item.is_err();
            if ctx.blocking_send(item).is_err() || stop {
                return;
            }
        }
    });
    Ok(streamed(crx, fieldcheck_api::export::XLSX, name))
}

/// Query of the responses' downloads.
#[derive(Deserialize)]
pub(crate) struct ResponsesQuery {
    cycle: Option<String>,
    questionnaire: Option<String>,
    names: Option<String>,
}

/// Whether the heads' names are asked for in clear, which only the roles that may reveal ID
/// numbers may ask.
fn names_in_clear(who: &Reviewer, names: &Option<String>) -> Result<bool, WebError> {
    match empty_none(names).as_deref() {
        None | Some("masked") => Ok(false),
        Some("clear") => {
            who.require(Action::RevealIdNumbers)?;
            Ok(true)
        }
        Some(other) => Err(WebError::BadRequest(format!("names: {other}"))),
    }
}

async fn responses_rows(
    state: &web::Data<AppState>,
    who: &Reviewer,
    q: &ResponsesQuery,
    format: &str,
) -> Result<(Rows, StoredQuestionnaire), WebError> {
    who.require(Action::ReadResponses)?;
    let cycle = parse_uuid(&q.cycle, "cycle")?
        .ok_or_else(|| WebError::BadRequest(format!("cycle: {}", D.choose_cycle)))?;
    let qid = parse_uuid(&q.questionnaire, "questionnaire")?
        .ok_or_else(|| WebError::BadRequest("questionnaire".into()))?;
    let names_in_clear = names_in_clear(who, &q.names)?;
    let db = &state.store.db;
    cycles_store::get_cycle(db, cycle).await?;
    let stored = cycles_store::get_questionnaire(db, qid).await?;
    audit_download(
        state,
        &who.principal,
        "response",
        &cycle.to_string(),
        serde_json::json!({ "format": format, "questionnaire": qid, "names": if names_in_clear { "clear" } else { "masked" } }),
    )
    .await?;
    let rows = Rows {
        state: state.clone(),
        who: who.principal.clone(),
        names_in_clear,
        source: Source::Responses {
            cycle,
            questionnaire: Box::new(stored.questionnaire.clone()),
            questionnaire_id: qid,
        },
        after: None,
        done: false,
    };
    Ok((rows, stored))
}

/// `GET /ui/data/responses.xlsx?cycle=&questionnaire=`.
pub(crate) async fn responses_xlsx(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<ResponsesQuery>,
) -> Page {
    let (rows, stored) = responses_rows(&state, &who, &q, "xlsx").await?;
    let t = ResponseTable::new(&stored.questionnaire);
    let codebook = (ResponseTable::codebook_headers(), t.codebook());
    xlsx_stream(rows, Some(codebook), "responses.xlsx").await
}

/// `GET /ui/data/responses.csv?cycle=&questionnaire=`.
pub(crate) async fn responses_csv(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<ResponsesQuery>,
) -> Page {
    let (rows, _) = responses_rows(&state, &who, &q, "csv").await?;
    csv_stream(rows, "responses.csv")
}

/// Query of the codebook.
#[derive(Deserialize)]
pub(crate) struct CodebookQuery {
    questionnaire: Option<String>,
}

/// `GET /ui/data/codebook.csv?questionnaire=`: the codebook of the responses' CSV, a file of
/// its own (a second CSV rather than a ZIP: both open directly in Excel, SPSS and Stata).
pub(crate) async fn codebook_csv(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<CodebookQuery>,
) -> Page {
    who.require(Action::ReadResponses)?;
    let qid = parse_uuid(&q.questionnaire, "questionnaire")?
        .ok_or_else(|| WebError::BadRequest("questionnaire".into()))?;
    let stored = cycles_store::get_questionnaire(&state.store.db, qid).await?;
    let t = ResponseTable::new(&stored.questionnaire);
    let mut lines = vec![ResponseTable::codebook_headers()];
    lines.extend(
        t.codebook()
            .iter()
            .map(|l| l.iter().map(Cell::to_text).collect()),
    );
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(&csv_bytes(&lines)?);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment("codebook.csv"))
        .body(body))
}

/// Query of the visits' download.
#[derive(Deserialize)]
pub(crate) struct VisitsQuery {
    cycle: Option<String>,
    names: Option<String>,
}

/// `GET /ui/data/visits.csv?cycle=`: visits (within the cycle's window, if one is given).
pub(crate) async fn visits_csv(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<VisitsQuery>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    let names_in_clear = names_in_clear(&who, &q.names)?;
    let window = match parse_uuid(&q.cycle, "cycle")? {
        Some(c) => {
            let c = cycles_store::get_cycle(&state.store.db, c).await?;
            Some((c.window_start, c.window_end))
        }
        None => None,
    };
    audit_download(
        &state,
        &who.principal,
        "visit",
        "*",
        serde_json::json!({ "format": "csv", "cycle": empty_none(&q.cycle), "names": if names_in_clear { "clear" } else { "masked" } }),
    )
    .await?;
    let rows = Rows {
        state: state.clone(),
        who: who.principal.clone(),
        names_in_clear,
        source: Source::Visits { window },
        after: None,
        done: false,
    };
    csv_stream(rows, "visits.csv")
}

/// `GET /ui/data/photos.csv?…`: photos' metadata and flags, filtered as the gallery is.
pub(crate) async fn photos_csv(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<GalleryQuery>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    let filter = q.filter(&state).await?;
    audit_download(
        &state,
        &who.principal,
        "photo",
        "*",
        serde_json::json!({ "format": "csv", "filter": q.audit_string() }),
    )
    .await?;
    let rows = Rows {
        state: state.clone(),
        who: who.principal.clone(),
        names_in_clear: false,
        source: Source::Photos {
            filter: Box::new(filter),
        },
        after: None,
        done: false,
    };
    csv_stream(rows, "photos.csv")
}

/// `GET /ui/data`: the downloads, as forms choosing what to download.
pub(crate) async fn page(state: web::Data<AppState>, who: Reviewer) -> Page {
    who.require(Action::ReadResponses)?;
    let db = &state.store.db;
    let cycles = cycles_store::list_cycles(db).await?;
    let questionnaires = cycles_store::list_questionnaires(db).await?;
    let reveal = who.principal.role.may(Action::RevealIdNumbers);
    let evidence = who.principal.role.may(Action::ReviewEvidence);
    let cycle_select = |id: &str, any: bool| {
        html! {
            label for=(id) { (T.cycle) }
            select id=(id) name="cycle" required[!any] {
                @if any { option value="" { (D.any_cycle) } }
                @for c in &cycles {
                    option value=(c.id) { (c.year) " · " (i18n::step_label(&cycles_store::wire(&c.step))) }
                }
            }
        }
    };
    let names_box = |id: &str| {
        html! {
            @if reveal {
                label.check for=(id) {
                    input id=(id) type="checkbox" name="names" value="clear";
                    " " (D.names_clear)
                }
            }
        }
    };
    let body = html! {
        p { (D.intro) }
        p { a href="/ui/data/charts" { (D.charts) } }
        section.data-download {
            h2 { (D.responses) }
            p.hint { (D.layout_hint) }
            form.filters method="get" action="/ui/data/responses.xlsx" id="responses-form" {
                (cycle_select("r-cycle", false))
                label for="r-questionnaire" { (D.questionnaire) }
                select id="r-questionnaire" name="questionnaire" required {
                    @for q in &questionnaires {
                        option value=(q.id) { (q.questionnaire.title) " · " (q.questionnaire.code) " v" (q.questionnaire.version) }
                    }
                }
                (names_box("r-names"))
                button type="submit" formaction="/ui/data/responses.xlsx" { (D.download) " XLSX" }
                button type="submit" formaction="/ui/data/responses.csv" { (D.download) " CSV" }
            }
            ul {
                @for q in &questionnaires {
                    li { a href={ "/ui/data/codebook.csv?questionnaire=" (q.id) } { (D.codebook_csv) " · " (q.questionnaire.title) " v" (q.questionnaire.version) } }
                }
            }
        }
        @if evidence {
            section.data-download {
                h2 { (D.visits) }
                form.filters method="get" action="/ui/data/visits.csv" {
                    (cycle_select("v-cycle", true))
                    (names_box("v-names"))
                    button type="submit" { (D.download) " CSV" }
                }
            }
            section.data-download {
                h2 { (D.photos) }
                form.filters method="get" action="/ui/data/photos.csv" {
                    (cycle_select("p-cycle", true))
                    label for="p-flag" { (T.flag) }
                    select id="p-flag" name="flag" {
                        option value="" { (T.all) }
                        @for f in fieldcheck_domain::evidence::PhotoFlag::ALL {
                            option value=(f.as_str()) { (i18n::flag_label(*f)) }
                        }
                    }
                    label for="p-review" { (T.review_status) }
                    select id="p-review" name="review" {
                        option value="" { (T.all) }
                        @for s in ["pending", "accepted", "rejected"] {
                            option value=(s) { (i18n::review_label(s)) }
                        }
                    }
                    button type="submit" { (D.download) " CSV" }
                }
            }
        }
    };
    Ok(layout(&who, D.title, body))
}
