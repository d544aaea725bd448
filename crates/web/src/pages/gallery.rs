//! The evidence gallery: photos page by page, filtered, with counts per flag and review status.

use crate::i18n::{self, ZH_CN as T};
use crate::layout::*;
use crate::{Reviewer, WebError};
use actix_web::web;
use fieldcheck_api::state::AppState;
use fieldcheck_domain::evidence::PhotoFlag;
use fieldcheck_domain::{Action, MeasureKind, ReviewStatus};
use fieldcheck_store::assessment as cycles_store;
use fieldcheck_store::photos::{self, PhotoFilter};
use fieldcheck_store::{PageRequest, places};
use maud::html;
use serde::Deserialize;

/// The gallery's filters, as the query string carries them.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct GalleryQuery {
    district: Option<String>,
    village: Option<String>,
    household: Option<String>,
    assessee: Option<String>,
    measure_kind: Option<String>,
    flag: Option<String>,
    review: Option<String>,
    cycle: Option<String>,
    after: Option<String>,
}

impl GalleryQuery {
    /// The filters, as recorded in the audit log.
    pub(crate) fn audit_string(&self) -> String {
        self.without_position()
    }

    /// The query string without the page position and without the flag (for the flag badges).
    fn without_flag(&self) -> String {
        GalleryQuery {
            flag: None,
            ..self.clone()
        }
        .without_position()
    }

    /// The query string without the page position.
    fn without_position(&self) -> String {
        let pairs = [
            ("district", &self.district),
            ("village", &self.village),
            ("household", &self.household),
            ("assessee", &self.assessee),
            ("measure_kind", &self.measure_kind),
            ("flag", &self.flag),
            ("review", &self.review),
            ("cycle", &self.cycle),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| empty_none(v).map(|v| format!("{k}={}", encode(&v))))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub(crate) async fn filter(&self, state: &AppState) -> Result<PhotoFilter, WebError> {
        let flag = match empty_none(&self.flag) {
            None => None,
            Some(f) => Some(
                PhotoFlag::parse(&f).ok_or_else(|| WebError::BadRequest(format!("flag {f}")))?,
            ),
        };
        let review = match empty_none(&self.review) {
            None => None,
            Some(r) => {
                Some(ReviewStatus::parse(&r).ok_or_else(|| WebError::BadRequest("review".into()))?)
            }
        };
        let district = empty_none(&self.district);
        if district
            .as_deref()
            .is_some_and(|d| !fieldcheck_domain::DivisionCode::is_district(d))
        {
            return Err(WebError::BadRequest("district".into()));
        }
        let measure_kind = empty_none(&self.measure_kind);
        if measure_kind
            .as_deref()
            .is_some_and(|k| MeasureKind::parse(k).is_none())
        {
            return Err(WebError::BadRequest("measure_kind".into()));
        }
        let taken_between = match parse_uuid(&self.cycle, "cycle")? {
            Some(c) => {
                let c = cycles_store::get_cycle(&state.store.db, c).await?;
                Some((c.window_start, c.window_end))
            }
            None => None,
        };
        Ok(PhotoFilter {
            household_id: parse_uuid(&self.household, "household")?,
            village_id: parse_uuid(&self.village, "village")?,
            assessee_id: parse_uuid(&self.assessee, "assessee")?,
            flag,
            review_status: review,
            district_code: district,
            measure_kind,
            taken_between,
            ..Default::default()
        })
    }
}

const PAGE: u64 = 48;

/// `GET /ui/gallery`: thumbnails page by page, with counts per flag and review status.
pub(crate) async fn gallery(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<GalleryQuery>,
) -> Page {
    who.require(Action::ReviewEvidence)?;
    let p = &who.principal;
    let filter = q.filter(&state).await?;
    let after = parse_uuid(&q.after, "after")?;
    let db = &state.store.db;
    let page = photos::list(
        db,
        &p.scope,
        &filter,
        PageRequest::new(after, Some(PAGE)),
        p.role.may(Action::ReadOriginals),
    )
    .await?;
    let counts = photos::counts(db, &p.scope, &filter).await?;
    let (flag_counts, review_counts) = (&counts.flags, &counts.review);
    let districts = places::list_districts(db).await?;
    let cycles = cycles_store::list_cycles(db).await?;
    let base = q.without_position();
    let no_flag = q.without_flag();
    let ids: Vec<String> = page.items.iter().map(|ph| ph.id.to_string()).collect();
    let selected = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let body = html! {
        form.filters method="get" action="/ui/gallery" {
            label { (T.district)
                select name="district" {
                    option value="" { (T.all) }
                    @for (code, name) in &districts {
                        option value=(code) selected[selected(&q.district, code)] {
                            (name) " (" (counts.districts.get(code).copied().unwrap_or(0)) ")"
                        }
                    }
                }
            }
            label { (T.cycle)
                select name="cycle" {
                    option value="" { (T.all) }
                    @for c in &cycles {
                        @let id = c.id.to_string();
                        option value=(id) selected[selected(&q.cycle, &id)] { (c.year) }
                    }
                }
            }
            label { (T.flag)
                select name="flag" {
                    option value="" { (T.all) }
                    @for f in PhotoFlag::ALL {
                        option value=(f.as_str()) selected[selected(&q.flag, f.as_str())] {
                            (i18n::flag_label(*f)) " (" (flag_counts.get(f.as_str()).copied().unwrap_or(0)) ")"
                        }
                    }
                }
            }
            label { (T.review_status)
                select name="review" {
                    option value="" { (T.all) }
                    @for r in ["pending", "accepted", "rejected"] {
                        option value=(r) selected[selected(&q.review, r)] {
                            (i18n::review_label(r)) " (" (review_counts.get(r).copied().unwrap_or(0)) ")"
                        }
                    }
                }
            }
            label { (T.measure_kind)
                select name="measure_kind" {
                    option value="" { (T.all) }
                    @for k in MeasureKind::ALL {
                        option value=(k.as_str()) selected[selected(&q.measure_kind, k.as_str())] { (k.as_str()) }
                    }
                }
            }
            label { (T.village) input name="village" value=(q.village.clone().unwrap_or_default()) size="12"; }
            label { (T.household) input name="household" value=(q.household.clone().unwrap_or_default()) size="12"; }
            label { (T.assessee) input name="assessee" value=(q.assessee.clone().unwrap_or_default()) size="12"; }
            button type="submit" { (T.filter) }
        }
        p.counts {
            @for (flag, n) in flag_counts {
                @if let Some(f) = PhotoFlag::parse(flag) {
                    a.badge href={ "/ui/gallery?" (no_flag) "&flag=" (flag) } { (i18n::flag_label(f)) " " (n) }
                }
            }
        }
        @if page.items.is_empty() {
            p.empty { (T.no_photos) }
        } @else {
            ul.grid id="gallery" data-ids=(ids.join(",")) {
                @for ph in &page.items {
                    li.card data-review=(ph.review_status) {
                        a href={ "/ui/photos/" (ph.id) "?back=" (encode(&base)) } {
                            @if ph.status == "stored" {
                                img src={ "/ui/photos/" (ph.id) "/thumb" } loading="lazy" alt=(T.photo) width="160" height="120";
                            } @else {
                                span.placeholder { "…" }
                            }
                        }
                        span.review { (i18n::review_label(&ph.review_status)) }
                        @for f in &ph.flags { span.flag { (i18n::flag_label(*f)) } }
                    }
                }
            }
        }
        @if let Some(next) = page.next_after {
            a.next href={ "/ui/gallery?" (base) "&after=" (next) } { (T.next_page) }
        }
    };
    Ok(layout(&who, T.gallery, body))
}
