//! XLSForm import: the workbook's sheets read by the store, converted by the domain
//! ([`from_xlsform`]), opened in the editor as a draft to check, then saved there.

use super::draft::Draft;
use super::editor::editor_page;
use crate::i18n::questionnaires::ZH_CN as Q;
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, web};
use fieldcheck_domain::Action;
use fieldcheck_domain::questionnaire_xlsform::from_xlsform;
use fieldcheck_store::assessment as store;
use maud::html;

fn import_page(who: &Reviewer, problems: &[String], status: StatusCode) -> HttpResponse {
    let body = html! {
        p.muted { (Q.import_help) }
        @if !problems.is_empty() {
            div.q-errors role="alert" {
                p.error { (Q.import_failed) }
                ul { @for p in problems { li.error { (p) } } }
            }
        }
        form.q-import method="post" action="/ui/questionnaires/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(who.csrf);
            label { (Q.file) input type="file" name="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required; }
            button type="submit" { (Q.import_button) }
        }
    };
    let mut res = layout(who, Q.import_title, body);
    *res.status_mut() = status;
    res
}

/// `GET /ui/questionnaires/import`.
pub(super) async fn form(who: Reviewer) -> Page {
    who.require(Action::ManageCycles)?;
    Ok(import_page(&who, &[], StatusCode::OK))
}

/// `POST /ui/questionnaires/import` (multipart: `csrf`, `file`): the editor with the draft.
pub(super) async fn upload(who: Reviewer, req: HttpRequest, body: web::Bytes) -> Page {
    who.require(Action::ManageCycles)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let parts = multipart(content_type, &body)?;
    let field = |name: &str| parts.iter().find(|p| p.name == name);
    let csrf = field("csrf")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default();
    who.check_csrf(&csrf)?;
    let file = match field("file") {
        Some(f) if !f.data.is_empty() => f,
        _ => {
            return Ok(import_page(
                &who,
                &[Q.no_file.to_owned()],
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    let sheets = match store::read_xlsform(&file.data) {
        Ok(s) => s,
        Err(e) => return Ok(import_page(&who, &[e.to_string()], StatusCode::BAD_REQUEST)),
    };
    match from_xlsform(&sheets) {
        Ok(q) => {
            let draft = Draft::from_questionnaire(&q);
            let (_, errors) = draft.to_questionnaire();
            Ok(editor_page(
                &who,
                &draft,
                &errors,
                Some(Q.imported),
                StatusCode::OK,
            ))
        }
        Err(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            Ok(import_page(&who, &lines, StatusCode::BAD_REQUEST))
        }
    }
}

/// One part of a `multipart/form-data` body.
struct Part {
    name: String,
    data: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The parts of a `multipart/form-data` body (RFC 7578): enough for a form with a file.
fn multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, WebError> {
    let bad = || WebError::BadRequest("expected a multipart/form-data upload".into());
    let mut params = content_type.split(';').map(str::trim);
    if !params
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
    {
        return Err(bad());
    }
    let boundary = params
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or_else(bad)?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut at = find(body, &delimiter, 0).ok_or_else(bad)? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(parts);
        }
        let start = at + 2; // CRLF after the delimiter
        let next = find(body, &delimiter, start).ok_or_else(bad)?;
        // The part ends with CRLF before the next delimiter.
        let part = body.get(start..next.saturating_sub(2)).ok_or_else(bad)?;
        let split = find(part, b"\r\n\r\n", 0).ok_or_else(bad)?;
        let headers = String::from_utf8_lossy(&part[..split]);
        let name = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .and_then(|l| {
                l.split(';')
                    .map(str::trim)
                    .find_map(|p| p.strip_prefix("name="))
                    .map(|n| n.trim_matches('"').to_owned())
            })
            .ok_or_else(bad)?;
        parts.push(Part {
            name,
            data: part[split + 4..].to_vec(),
        });
        at = next + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_form_with_a_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\nPK\r\n\x00\x01\r\n--XyZ--\r\n";
        let parts = multipart("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), &parts[0].data[..]),
            ("csrf", &b"abc"[..])
        );
        assert_eq!(parts[1].data, b"PK\r\n\x00\x01");
        assert!(multipart("application/x-www-form-urlencoded", body).is_err());
        assert!(multipart("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken").is_err());
    }
}
