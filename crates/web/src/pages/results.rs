//! The results' downloads (XLSX, CSV).

use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, http::header, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::Action;
use fieldcheck_store::assessment as cycles_store;
use uuid::Uuid;

async fn results_for(
    state: &AppState,
    who: &Reviewer,
    id: &str,
) -> Result<Vec<cycles_store::AssesseeResult>, WebError> {
    let cid = Uuid::parse_str(id).map_err(|_| WebError::NotFound)?;
    Ok(fieldcheck_api::handlers::results::visible_results(state, &who.principal, cid).await?)
}

/// `GET /ui/cycles/{id}/results.xlsx`.
pub(crate) async fn results_xlsx(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let items = results_for(&state, &who, &id).await?;
    let bytes = fieldcheck_api::telemetry::spawn_blocking_in_span(move || {
        fieldcheck_api::export::xlsx_bytes(&items)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(fieldcheck_api::export::XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"results.xlsx\"",
        ))
        .body(bytes))
}

/// `GET /ui/cycles/{id}/results.csv`.
pub(crate) async fn results_csv(
    state: web::Data<AppState>,
    who: Reviewer,
    id: web::Path<String>,
) -> Page {
    who.require(Action::ReadAssessment)?;
    let items = results_for(&state, &who, &id).await?;
    let bytes = fieldcheck_api::export::csv_bytes(&items)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"results.csv\"",
        ))
        .body(bytes))
}
