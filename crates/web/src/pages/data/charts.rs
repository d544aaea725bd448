//! Charts of a cycle, drawn on the server ([`super::svg`]): daily progress per district over the
//! cycle's window, satisfaction per district and per assessee, flags per village, and the score
//! distribution per kind of assessee. Every number comes from the caller's scope.

use super::svg;
use crate::Reviewer;
use crate::i18n::{self, ZH_CN as T, data::ZH_CN as D};
use crate::layout::*;
use actix_web::web;
use chrono::{Duration, NaiveDate, Utc};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::evidence::PhotoFlag;
use fieldcheck_domain::{Action, AssesseeKind};
use fieldcheck_store::assessment as cycles_store;
use fieldcheck_store::fieldwork::{self, ActivityKind};
use fieldcheck_store::photos::{self, PhotoFilter};
use fieldcheck_store::{PageRequest, places};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Days drawn at most (a window longer than a year is cut at its first year).
const MAX_DAYS: i64 = 366;

/// Query of the charts.
#[derive(Deserialize)]
pub(crate) struct ChartsQuery {
    cycle: Option<String>,
}

/// Daily counts per district: `(district, [visits, responses, photos] per day)`.
fn progress(
    start: NaiveDate,
    days: usize,
    events: &[(ActivityKind, Uuid, chrono::DateTime<Utc>)],
    district_of: &HashMap<Uuid, String>,
) -> BTreeMap<String, [Vec<f64>; 3]> {
    let mut out: BTreeMap<String, [Vec<f64>; 3]> = BTreeMap::new();
    for (kind, household, at) in events {
        let Some(d) = district_of.get(household) else {
            continue;
        };
        let i = (at.date_naive() - start).num_days();
        if i < 0 || i as usize >= days {
            continue;
        }
        let k = match kind {
            ActivityKind::Visit => 0,
            ActivityKind::Response => 1,
            ActivityKind::Photo => 2,
        };
        let e = out
            .entry(d.clone())
            .or_insert_with(|| std::array::from_fn(|_| vec![0.0; days]));
        e[k][i as usize] += 1.0;
    }
    out
}

/// The band of a total (in tenths of a point): below 60, 60–70, 70–80, 80–90, 90 and above.
fn band(total_tenths: i32) -> usize {
    match total_tenths {
        t if t < 600 => 0,
        t if t < 700 => 1,
        t if t < 800 => 2,
        t if t < 900 => 3,
        _ => 4,
    }
}

fn kind_label(k: &str) -> String {
    AssesseeKind::ALL
        .iter()
        .position(|x| x.as_str() == k)
        .map_or_else(|| k.to_owned(), |i| D.assessee_kinds[i].to_owned())
}

/// `GET /ui/data/charts?cycle=`.
pub(crate) async fn page(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<ChartsQuery>,
) -> Page {
    who.require(Action::ReadResponses)?;
    let p = &who.principal;
    let db = &state.store.db;
    let cycles = cycles_store::list_cycles(db).await?;
    let chosen = match parse_uuid(&q.cycle, "cycle")? {
        Some(id) => Some(cycles_store::get_cycle(db, id).await?),
        None => cycles.first().cloned(),
    };
    let picker = html! {
        form.filters method="get" action="/ui/data/charts" {
            label for="chart-cycle" { (T.cycle) }
            select id="chart-cycle" name="cycle" {
                @for c in &cycles {
                    option value=(c.id) selected[chosen.as_ref().is_some_and(|x| x.id == c.id)] {
                        (c.year) " · " (i18n::step_label(&cycles_store::wire(&c.step)))
                    }
                }
            }
            button type="submit" { (D.show) }
        }
    };
    let Some(cycle) = chosen else {
        return Ok(layout(
            &who,
            D.charts,
            html! { (picker) p { (D.choose_cycle) } },
        ));
    };
    let districts: HashMap<String, String> =
        places::list_districts(db).await?.into_iter().collect();
    let district_name = |code: &str| {
        districts
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    };
    let mut charts: Vec<(String, Markup)> = Vec::new();

    // Progress per district over the window.
    if p.role.may(Action::ReviewEvidence) {
        let window = (cycle.window_start, cycle.window_end);
        let events = fieldwork::activity(db, &p.scope, cycle.id, window).await?;
        let hs: Vec<Uuid> = events.iter().map(|e| e.1).collect();
        let labels = fieldwork::household_labels(db, &p.scope, &hs).await?;
        let district_of: HashMap<Uuid, String> = labels
            .iter()
            .map(|(id, h)| (*id, h.district_code.clone()))
            .collect();
        let start = cycle.window_start.date_naive();
        let end = cycle
            .window_end
            .date_naive()
            .min(start + Duration::days(MAX_DAYS - 1));
        let days = ((end - start).num_days() + 1).max(1) as usize;
        let day_labels: Vec<String> = (0..days)
            .map(|i| {
                (start + Duration::days(i as i64))
                    .format("%m-%d")
                    .to_string()
            })
            .collect();
        let per = progress(start, days, &events, &district_of);
        if per.is_empty() {
            charts.push((
                D.chart_progress.to_owned(),
                svg::lines(D.chart_progress, &day_labels, &[], D.no_data),
            ));
        }
        for (code, [v, r, ph]) in per {
            let title = format!("{} · {}", D.chart_progress, district_name(&code));
            let series = [
                (D.series_activity[0], v),
                (D.series_activity[1], r),
                (D.series_activity[2], ph),
            ];
            let chart = svg::lines(&title, &day_labels, &series, D.no_data);
            charts.push((title, chart));
        }
    }

    // Satisfaction per district and per assessee.
    let answers = fieldwork::cycle_satisfaction(db, &p.scope, cycle.id).await?;
    let hs: Vec<Uuid> = answers.iter().map(|a| a.0).collect();
    let labels = fieldwork::household_labels(db, &p.scope, &hs).await?;
    let mut by_district: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (h, s) in &answers {
        let Some(l) = labels.get(h) else { continue };
        let e = by_district
            .entry(l.district_code.clone())
            .or_insert_with(|| vec![0.0; 3]);
        e[match s {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        }] += 1.0;
    }
    let rows: Vec<(String, Vec<f64>)> = by_district
        .into_iter()
        .map(|(d, v)| (district_name(&d), v))
        .collect();
    charts.push((D.chart_satisfaction_district.to_owned(), html! {
        (svg::stacked_bars(D.chart_satisfaction_district, &D.series_satisfaction, &rows, D.no_data))
        (svg::table(D.numbers, &D.series_satisfaction, &rows))
    }));
    let per_assessee = fieldwork::satisfaction(db, &p.scope, cycle.id, None).await?;
    let ids: Vec<Uuid> = per_assessee
        .iter()
        .filter_map(|v| v["assessee_id"].as_str().and_then(|s| s.parse().ok()))
        .collect();
    let names = fieldwork::assessee_names(db, &ids).await?;
    let mut rows: Vec<(String, Vec<f64>)> = per_assessee
        .iter()
        .filter_map(|v| {
            let id: Uuid = v["assessee_id"].as_str()?.parse().ok()?;
            let n = v["responses"].as_f64().unwrap_or(0.0);
            let sat = v["satisfied"].as_f64().unwrap_or(0.0);
            let rated = v["rated"].as_f64().unwrap_or(0.0);
            Some((
                names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                vec![sat, rated - sat, n - rated],
            ))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    charts.push((D.chart_satisfaction_assessee.to_owned(), html! {
        (svg::stacked_bars(D.chart_satisfaction_assessee, &D.series_satisfaction, &rows, D.no_data))
        (svg::table(D.numbers, &D.series_satisfaction, &rows))
    }));

    // Flags per village, over the photos of the window.
    if p.role.may(Action::ReviewEvidence) {
        let filter = PhotoFilter {
            taken_between: Some((cycle.window_start, cycle.window_end)),
            ..Default::default()
        };
        let mut counts: BTreeMap<Uuid, Vec<f64>> = BTreeMap::new();
        let mut after = None;
        loop {
            let page = photos::list(
                db,
                &p.scope,
                &filter,
                PageRequest::new(after, Some(500)),
                false,
            )
            .await?;
            let hs: Vec<Uuid> = page.items.iter().map(|ph| ph.household_id).collect();
            let labels = fieldwork::household_labels(db, &p.scope, &hs).await?;
            for ph in page.items.iter().filter(|ph| !ph.flags.is_empty()) {
                let Some(l) = labels.get(&ph.household_id) else {
                    continue;
                };
                let e = counts
                    .entry(l.village_id)
                    .or_insert_with(|| vec![0.0; PhotoFlag::ALL.len()]);
                for f in &ph.flags {
                    if let Some(i) = PhotoFlag::ALL.iter().position(|x| x == f) {
                        e[i] += 1.0;
                    }
                }
            }
            match page.next_after {
                Some(a) => after = Some(a),
                None => break,
            }
        }
        let villages: Vec<Uuid> = counts.keys().copied().collect();
        let names = fieldwork::place_names(db, &villages).await?;
        let mut rows: Vec<(String, Vec<f64>)> = counts
            .into_iter()
            .map(|(v, c)| (names.get(&v).cloned().unwrap_or_else(|| v.to_string()), c))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let series: Vec<&str> = PhotoFlag::ALL
            .iter()
            .map(|f| i18n::flag_label(*f))
            .collect();
        charts.push((
            D.chart_flags.to_owned(),
            html! {
                (svg::stacked_bars(D.chart_flags, &series, &rows, D.no_data))
                (svg::table(D.numbers, &series, &rows))
            },
        ));
    }

    // Score distribution per kind of assessee.
    if p.role.may(Action::ReadAssessment) {
        let results =
            fieldcheck_api::handlers::results::visible_results(&state, p, cycle.id).await?;
        let mut by_kind: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in &results {
            by_kind
                .entry(r.kind.clone())
                .or_insert_with(|| vec![0.0; 5])[band(r.total)] += 1.0;
        }
        let rows: Vec<(String, Vec<f64>)> = by_kind
            .into_iter()
            .map(|(k, v)| (kind_label(&k), v))
            .collect();
        charts.push((
            D.chart_scores.to_owned(),
            html! {
                (svg::stacked_bars(D.chart_scores, &D.series_scores, &rows, D.no_data))
                (svg::table(D.numbers, &D.series_scores, &rows))
            },
        ));
    }

    let body = html! {
        (picker)
        @for (title, c) in &charts {
            figure.chart {
                figcaption { h2 { (title) } }
                (c)
            }
        }
    };
    Ok(layout(&who, D.charts, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_land_on_their_day_and_district() {
        let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let h = Uuid::from_u128(1);
        let at = |d: u32| {
            NaiveDate::from_ymd_opt(2026, 12, d)
                .and_then(|x| x.and_hms_opt(10, 0, 0))
                .map(|x| x.and_utc())
                .unwrap_or_default()
        };
        let events = vec![
            (ActivityKind::Visit, h, at(1)),
            (ActivityKind::Visit, h, at(1)),
            (ActivityKind::Photo, h, at(3)),
            (ActivityKind::Response, Uuid::from_u128(2), at(2)),
            (ActivityKind::Visit, h, at(9)),
        ];
        let districts = HashMap::from([(h, "460106".to_owned())]);
        let p = progress(start, 3, &events, &districts);
        assert_eq!(p.len(), 1);
        let [v, r, ph] = &p["460106"];
        assert_eq!(v, &vec![2.0, 0.0, 0.0]);
        assert_eq!(r, &vec![0.0, 0.0, 0.0]);
        assert_eq!(ph, &vec![0.0, 0.0, 1.0]);
    }

    #[test]
    fn totals_fall_in_ten_point_bands() {
        assert_eq!(band(0), 0);
        assert_eq!(band(599), 0);
        assert_eq!(band(600), 1);
        assert_eq!(band(899), 3);
        assert_eq!(band(900), 4);
        assert_eq!(band(1000), 4);
    }
}
