//! Thin handlers of the assessment: templates, cycles and steps, self-reports, commissions and
//! scores, aggregation, decisions and the published results (JSON, CSV and XLSX with Chinese
//! headers), samples, assignments, questionnaires and responses, send-back, progress.

use crate::auth::{self, Can, Principal};
use crate::error::ApiError;
use crate::extract::{JsonBody, path_id};
use crate::state::AppState;
use actix_web::{HttpResponse, http::header, web};
use fieldcheck_domain::assessment::{CycleStep, Grade, Template, format_points};
use fieldcheck_domain::questionnaire::Questionnaire;
use fieldcheck_domain::{Action, AssesseeId, Role};
use fieldcheck_store::Scope;
use fieldcheck_store::assessment::{self as store, AssesseeResult};
use fieldcheck_store::fieldwork::{self, Submitted};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

type Result<T> = std::result::Result<T, ApiError>;
type State = web::Data<AppState>;

fn uuid_param(raw: &str) -> Result<Uuid> {
    path_id::<Uuid>(raw)
}

// ---- templates

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YearQuery {
    year: Option<i32>,
}

pub(crate) async fn list_templates(
    state: State,
    p: Principal,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    if q.year
        .is_some_and(|y| !fieldcheck_domain::assessment::ASSESSMENT_YEARS.contains(&y))
    {
        return Err(ApiError::InvalidQuery("year: between 2000 and 2100".into()));
    }
    let items = store::list_templates(&state.store.db, q.year).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub(crate) async fn create_template(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<Template>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let t = store::create_template(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(t))
}

// ---- cycles

pub(crate) async fn list_cycles(state: State, p: Principal) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let items = store::list_cycles(&state.store.db).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub(crate) async fn create_cycle(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<store::NewCycle>,
) -> Result<HttpResponse> {
    let txn = state.store.write().await?;
    let c = store::create_cycle(&*txn, Some(p.user), body.into_inner()?).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(c))
}

pub(crate) async fn get_cycle(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let c = store::get_cycle(&state.store.db, uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(c))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransitionBody {
    to: CycleStep,
    #[serde(default)]
    reason: Option<String>,
}

pub(crate) async fn transition(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<TransitionBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let c = store::transition(&*txn, p.user, id, b.to, b.reason.as_deref()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(c))
}

pub(crate) async fn aggregate(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let txn = state.store.write().await?;
    let n = store::aggregate(&*txn, p.user, id, state.config.pii.min_count).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": n })))
}

// ---- self-reports

fn own_assessee(p: &Principal) -> Result<Uuid> {
    match p.scope {
        Scope::Assessee(AssesseeId(a)) => Ok(a),
        _ => Err(ApiError::Forbidden),
    }
}

pub(crate) async fn submit_self_report(
    state: State,
    Can(p, _): Can<auth::SubmitSelfReport>,
    id: web::Path<String>,
    body: JsonBody<store::SelfReportInput>,
) -> Result<HttpResponse> {
    let cycle = uuid_param(&id)?;
    let assessee = own_assessee(&p)?;
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let r = store::submit_self_report(&*txn, p.user, assessee, cycle, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(r))
}

pub(crate) async fn list_self_reports(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let items = store::list_self_reports(&state.store.db, &p.scope, uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommentBody {
    comment: String,
}

pub(crate) async fn return_self_report(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<CommentBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let r = store::return_self_report(&*txn, p.user, id, &b.comment).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(r))
}

// ---- commissions and scores

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommissionBody {
    user_id: Uuid,
    assessee_ids: Vec<Uuid>,
}

pub(crate) async fn commission(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<CommissionBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let n = store::commission(&*txn, p.user, id, b.user_id, &b.assessee_ids).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "added": n })))
}

pub(crate) async fn record_score(
    state: State,
    Can(p, _): Can<auth::Score>,
    id: web::Path<String>,
    body: JsonBody<store::ScoreInput>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let s = store::record_score(&*txn, p.user, p.role, id, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(s))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssesseeQuery {
    assessee_id: Uuid,
}

pub(crate) async fn list_scores(
    state: State,
    p: Principal,
    id: web::Path<String>,
    q: web::Query<AssesseeQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    let cycle = uuid_param(&id)?;
    // The assessee must be within the caller's reach (an assessee reads only its own sheet; a
    // commissioned evaluator the sheets it was commissioned for).
    if p.role == Role::Evaluator {
        if !store::is_commissioned(&state.store.db, cycle, p.user, q.assessee_id).await? {
            return Err(ApiError::NotFound);
        }
    } else {
        fieldcheck_store::orgs::get_assessee(&state.store.db, &p.scope, AssesseeId(q.assessee_id))
            .await?;
    }
    // An assessee sees its sheet only once results are published, as with the results.
    if p.role == Role::Assessee
        && store::get_cycle(&state.store.db, cycle).await?.step != CycleStep::Publication
    {
        return Ok(HttpResponse::Ok().json(serde_json::json!({ "items": [] })));
    }
    let items = store::list_scores(&state.store.db, cycle, q.assessee_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

// ---- results

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    assessee_id: Uuid,
    grade: Grade,
    #[serde(default)]
    reason: Option<String>,
}

pub(crate) async fn decide(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<DecisionBody>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let r = store::decide(&*txn, p.user, id, b.assessee_id, b.grade, b.reason).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Results the caller may see: the office and district reviewers at any time after aggregation,
/// an assessee its own once published.
pub async fn visible_results(
    state: &AppState,
    p: &Principal,
    cycle: Uuid,
) -> Result<Vec<AssesseeResult>> {
    p.require(Action::ReadAssessment)?;
    let c = store::get_cycle(&state.store.db, cycle).await?;
    if matches!(p.role, Role::Assessee | Role::Evaluator) && c.step != CycleStep::Publication {
        return Ok(Vec::new());
    }
    if p.role == Role::Evaluator {
        return Ok(Vec::new());
    }
    Ok(store::list_results(&state.store.db, &p.scope, cycle).await?)
}

pub(crate) async fn results(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let items = visible_results(&state, &p, uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

const HEADERS: [&str; 8] = [
    "考核对象",
    "类别",
    "所属区",
    "得分",
    "建议等次",
    "审定等次",
    "问责",
    "说明",
];

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "district_government" => "区党委和政府",
        "lead_unit" => "牵头单位",
        "paired_unit" => "结对帮扶单位",
        "responsible_person" => "帮扶责任人",
        _ => "其他",
    }
}

fn grade_zh(g: Option<Grade>) -> &'static str {
    match g {
        Some(Grade::Pass) => "达标",
        Some(Grade::Fail) => "不达标",
        None => "",
    }
}

fn rows(items: &[AssesseeResult]) -> Vec<[String; 8]> {
    items
        .iter()
        .map(|r| {
            let decided = r.decided;
            [
                r.name.clone(),
                kind_zh(&r.kind).to_owned(),
                r.district_code.clone().unwrap_or_default(),
                format_points(r.total),
                grade_zh(Some(r.suggested)).to_owned(),
                grade_zh(decided).to_owned(),
                if decided == Some(Grade::Fail) {
                    "通报问责".to_owned()
                } else {
                    String::new()
                },
                r.reason.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

fn attachment(name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

/// The published results as CSV: UTF-8 with a byte-order mark, so spreadsheet programs on
/// Chinese Windows read the headers right.
pub fn csv_bytes(items: &[AssesseeResult]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| ApiError::internal(e);
    w.write_record(HEADERS).map_err(io)?;
    for r in rows(items) {
        w.write_record(&r).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(e.into_error()))
}

/// The published results as an XLSX workbook (sheet 考核结果; scores as numbers).
pub fn xlsx_bytes(
    items: &[AssesseeResult],
) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("考核结果")?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (i, (r, item)) in rows(items).iter().zip(items).enumerate() {
        let row = i as u32 + 1;
        for (c, v) in r.iter().enumerate() {
            if c == 3 {
                sheet.write_number(row, 3, f64::from(item.total) / 10.0)?;
            } else {
                sheet.write_string(row, c as u16, v)?;
            }
        }
    }
    book.save_to_buffer()
}

/// The content type of an XLSX file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) async fn results_csv(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let cycle = uuid_param(&id)?;
    let items = visible_results(&state, &p, cycle).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment("results.csv"))
        .body(csv_bytes(&items)?))
}

pub(crate) async fn results_xlsx(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let cycle = uuid_param(&id)?;
    let items = visible_results(&state, &p, cycle).await?;
    let bytes = web::block(move || xlsx_bytes(&items))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header(attachment("results.xlsx"))
        .body(bytes))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DistrictQuery {
    district: Option<String>,
}

pub(crate) async fn progress(
    state: State,
    p: Principal,
    id: web::Path<String>,
    q: web::Query<DistrictQuery>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    if q.district
        .as_deref()
        .is_some_and(|d| !fieldcheck_domain::DivisionCode::is_district(d))
    {
        return Err(ApiError::InvalidQuery(
            "district: a district's six-digit division code".into(),
        ));
    }
    let items = store::progress(
        &state.store.db,
        &p.scope,
        uuid_param(&id)?,
        q.district.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub(crate) async fn satisfaction(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadAssessment)?;
    // Whoever may read the responses themselves sees exact counts; others (assessees) do not see
    // counts small enough to tell one household's answer.
    let withhold_below = (!p.role.may(Action::ReadResponses)).then_some(state.config.pii.min_count);
    let items =
        fieldwork::satisfaction(&state.store.db, &p.scope, uuid_param(&id)?, withhold_below)
            .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

// ---- samples and assignments

pub(crate) async fn draw_sample(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    id: web::Path<String>,
    body: JsonBody<fieldwork::NewSample>,
) -> Result<HttpResponse> {
    let id = uuid_param(&id)?;
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let s = fieldwork::draw_sample(&*txn, p.user, id, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(s))
}

pub(crate) async fn get_sample(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ManageCycles)?;
    Ok(HttpResponse::Ok().json(fieldwork::get_sample(&state.store.db, uuid_param(&id)?).await?))
}

pub(crate) async fn verify_sample(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ManageCycles)?;
    Ok(HttpResponse::Ok().json(fieldwork::verify_sample(&state.store.db, uuid_param(&id)?).await?))
}

pub(crate) async fn create_assignment(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<fieldwork::NewAssignment>,
) -> Result<HttpResponse> {
    let input = body.into_inner()?;
    let txn = state.store.write().await?;
    let a = fieldwork::create_assignment(&*txn, p.user, input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(a))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CycleFilter {
    cycle_id: Option<Uuid>,
    household_id: Option<Uuid>,
}

pub(crate) async fn list_assignments(
    state: State,
    p: Principal,
    q: web::Query<CycleFilter>,
) -> Result<HttpResponse> {
    let only = if p.role.may(Action::ManageCycles) {
        None
    } else if matches!(p.role, Role::Inspector | Role::Surveyor | Role::Evaluator) {
        Some(p.user.0)
    } else {
        return Err(ApiError::Forbidden);
    };
    let items = fieldwork::list_assignments(&state.store.db, only, q.cycle_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

// ---- questionnaires and responses

pub(crate) async fn list_questionnaires(state: State, _p: Principal) -> Result<HttpResponse> {
    let items = store::list_questionnaires(&state.store.db).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub(crate) async fn create_questionnaire(
    state: State,
    Can(p, _): Can<auth::ManageCycles>,
    body: JsonBody<Questionnaire>,
) -> Result<HttpResponse> {
    let q = body.into_inner()?;
    let txn = state.store.write().await?;
    let q = store::create_questionnaire(&*txn, Some(p.user), q).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(q))
}

pub(crate) async fn get_questionnaire(
    state: State,
    _p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(store::get_questionnaire(&state.store.db, uuid_param(&id)?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResponseBody {
    id: Uuid,
    #[serde(flatten)]
    input: fieldwork::ResponseInput,
}

pub(crate) async fn submit_response(
    state: State,
    Can(p, _): Can<auth::RecordResponses>,
    body: JsonBody<ResponseBody>,
) -> Result<HttpResponse> {
    let b = body.into_inner()?;
    let who = fieldwork::Surveyor {
        user: p.user,
        device: &p.device,
        scope: &p.scope,
        clock_skew_secs: None,
    };
    let txn = state.store.write().await?;
    let out = fieldwork::submit_response(&*txn, &who, b.id, b.input).await?;
    txn.commit().await?;
    Ok(match out {
        Submitted::Created(r) => HttpResponse::Created().json(r),
        Submitted::Corrected(r) | Submitted::Same(r) => HttpResponse::Ok().json(r),
    })
}

fn own_only(p: &Principal) -> Option<fieldcheck_domain::UserId> {
    matches!(p.role, Role::Inspector | Role::Surveyor).then_some(p.user)
}

pub(crate) async fn list_responses(
    state: State,
    p: Principal,
    q: web::Query<CycleFilter>,
) -> Result<HttpResponse> {
    p.require(Action::ReadResponses)?;
    let items = fieldwork::list_responses(
        &state.store.db,
        &p.scope,
        own_only(&p),
        q.cycle_id,
        q.household_id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub(crate) async fn get_response(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadResponses)?;
    let r =
        fieldwork::get_response(&state.store.db, &p.scope, own_only(&p), uuid_param(&id)?).await?;
    Ok(HttpResponse::Ok().json(r))
}

pub(crate) async fn response_versions(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReadResponses)?;
    let id = uuid_param(&id)?;
    fieldwork::get_response(&state.store.db, &p.scope, own_only(&p), id).await?;
    let items = fieldwork::versions(&state.store.db, &p.scope, "response", id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendBackBody {
    comments: BTreeMap<String, String>,
}

async fn send_back(
    state: State,
    p: Principal,
    entity: &str,
    id: &str,
    body: JsonBody<SendBackBody>,
) -> Result<HttpResponse> {
    p.require(Action::ReviewEvidence)?;
    let id = uuid_param(id)?;
    let b = body.into_inner()?;
    let txn = state.store.write().await?;
    let out = fieldwork::send_back(&*txn, p.user, &p.scope, entity, id, &b.comments).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(out))
}

pub(crate) async fn return_response(
    state: State,
    p: Principal,
    id: web::Path<String>,
    body: JsonBody<SendBackBody>,
) -> Result<HttpResponse> {
    send_back(state, p, "response", &id, body).await
}

pub(crate) async fn return_visit(
    state: State,
    p: Principal,
    id: web::Path<String>,
    body: JsonBody<SendBackBody>,
) -> Result<HttpResponse> {
    send_back(state, p, "visit", &id, body).await
}

pub(crate) async fn visit_versions(
    state: State,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    p.require(Action::ReviewEvidence)?;
    let id = uuid_param(&id)?;
    let items = fieldwork::versions(&state.store.db, &p.scope, "visit", id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
