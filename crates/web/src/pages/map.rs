//! The map: households and photos as points in an SVG drawn on the server (Web Mercator), over
//! configured tiles when there are any, and still useful with none — the servers may sit on a
//! closed government network. Chinese basemaps are drawn in GCJ-02, so points are converted from
//! the phones' WGS-84 when the configured tiles say so.

use crate::i18n::ZH_CN as T;
use crate::{Reviewer, WebError};
use actix_web::{HttpResponse, web};
use fieldcheck_api::state::AppState;
use fieldcheck_domain::{Action, GeoPoint};
use fieldcheck_store::entities::{households, photo_records};
use fieldcheck_store::photos::scope_condition;
use fieldcheck_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

/// At most this many points of each kind are drawn.
const MAX_POINTS: u64 = 20_000;
/// The largest tile grid drawn.
const MAX_TILES: u64 = 64;

#[derive(Deserialize)]
pub(crate) struct MapQuery {
    district: Option<String>,
}

/// Web Mercator, in world units (0..1 both ways).
fn project(p: GeoPoint) -> (f64, f64) {
    let lat = p.lat.clamp(-85.0511, 85.0511).to_radians();
    let x = (p.lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    (x, y)
}

/// A point of an SVG map: projected, with its CSS class, link and tooltip.
pub(crate) struct Point {
    x: f64,
    y: f64,
    class: String,
    href: String,
    title: String,
}

impl Point {
    /// A point at `at` (WGS-84), in the datum of the configured tiles.
    pub(crate) fn new(
        state: &AppState,
        at: GeoPoint,
        class: impl Into<String>,
        href: String,
        title: String,
    ) -> Point {
        let gcj = state.config.web.tile_datum.eq_ignore_ascii_case("gcj02");
        let (x, y) = project(if gcj { at.to_gcj02() } else { at });
        Point {
            x,
            y,
            class: class.into(),
            href,
            title,
        }
    }
}

/// `GET /ui/map`.
pub(crate) async fn page(
    state: web::Data<AppState>,
    who: Reviewer,
    q: web::Query<MapQuery>,
) -> Result<HttpResponse, WebError> {
    who.require(Action::ReviewEvidence)?;
    let p = &who.principal;
    let db = &state.store.db;
    let district = q
        .district
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let mut hq = households::Entity::find()
        .select_only()
        .column(households::Column::Id)
        .column(households::Column::RegistrationNo)
        .column(households::Column::Lat)
        .column(households::Column::Lon)
        .filter(p.scope.households())
        .filter(households::Column::Lat.is_not_null())
        .limit(MAX_POINTS);
    if let Some(d) = district {
        hq = hq.filter(households::Column::DistrictCode.eq(d));
    }
    let homes: Vec<(Uuid, String, Option<f64>, Option<f64>)> = hq
        .into_tuple()
        .all(db)
        .await
        .map_err(fieldcheck_store::StoreError::from)?;
    let mut points: Vec<Point> = Vec::new();
    for (id, reg, lat, lon) in homes {
        if let (Some(lat), Some(lon)) = (lat, lon) {
            points.push(Point::new(
                &state,
                GeoPoint { lat, lon },
                "household",
                format!("/ui/households/{id}"),
                reg,
            ));
        }
    }
    // Photo positions only for roles that may see where photos were taken.
    if p.role.may(Action::ReadOriginals) {
        let mut pq = photo_records::Entity::find()
            .select_only()
            .column(photo_records::Column::Id)
            .column(photo_records::Column::ExifLat)
            .column(photo_records::Column::ExifLon)
            .column(photo_records::Column::Flags)
            .filter(scope_condition(&p.scope))
            .filter(photo_records::Column::ExifLat.is_not_null())
            .limit(MAX_POINTS);
        if let Some(d) = district {
            pq = pq.filter(
                photo_records::Column::HouseholdId.in_subquery(
                    fieldcheck_store::sea_orm::QueryTrait::into_query(
                        households::Entity::find()
                            .select_only()
                            .column(households::Column::Id)
                            .filter(households::Column::DistrictCode.eq(d)),
                    ),
                ),
            );
        }
        let rows: Vec<(Uuid, Option<f64>, Option<f64>, String)> = pq
            .into_tuple()
            .all(db)
            .await
            .map_err(fieldcheck_store::StoreError::from)?;
        for (id, lat, lon, flags) in rows {
            if let (Some(lat), Some(lon)) = (lat, lon) {
                let flagged = flags != "[]";
                points.push(Point::new(
                    &state,
                    GeoPoint { lat, lon },
                    if flagged { "photo flagged" } else { "photo" },
                    format!("/ui/photos/{id}"),
                    if flagged {
                        format!("{} {flags}", T.photo)
                    } else {
                        T.photo.to_owned()
                    },
                ));
            }
        }
    }
    let households_n = points.iter().filter(|p| p.class == "household").count();
    let photos_n = points.len() - households_n;
    let body = html! {
        form.filters method="get" action="/ui/map" {
            label { (T.district) input name="district" value=(district.unwrap_or_default()) size="8"; }
            button type="submit" { (T.filter) }
        }
        p { (T.map_legend) "　" (T.households) " " span #household-count { (households_n) } "　" (T.photos) " " span #photo-count { (photos_n) } }
        (svg(&state, "map", &points))
    };
    Ok(crate::layout::layout(&who, T.map, body))
}

/// The points on a map of their own area (Web Mercator), over the configured tiles when there
/// are any: a note when there are none, the SVG with id `id`, the tiles' attribution.
pub(crate) fn svg(state: &AppState, id: &str, points: &[Point]) -> Markup {
    // Bounds, padded; a single point still gets an area around it.
    let (mut x0, mut y0, mut x1, mut y1) = (1.0f64, 1.0f64, 0.0f64, 0.0f64);
    for pt in points {
        x0 = x0.min(pt.x);
        y0 = y0.min(pt.y);
        x1 = x1.max(pt.x);
        y1 = y1.max(pt.y);
    }
    if points.is_empty() {
        // Haikou, so an empty map still shows where it would be.
        let (x, y) = project(GeoPoint {
            lat: 20.02,
            lon: 110.35,
        });
        (x0, y0, x1, y1) = (x, y, x, y);
    }
    let pad = ((x1 - x0).max(y1 - y0) * 0.08).max(0.000_05);
    (x0, y0, x1, y1) = (x0 - pad, y0 - pad, x1 + pad, y1 + pad);
    // The zoom whose tiles show the area at about 1,000 pixels across.
    let span = (x1 - x0).max(y1 - y0);
    let mut z = ((1000.0 / 256.0) / span).log2().floor().clamp(1.0, 18.0) as u32;
    let tile_url = state.config.web.tile_url.clone();
    let tiles_for = |z: u32| {
        let n = f64::from(1u32 << z);
        (
            (x0 * n).floor() as u64,
            (y0 * n).floor() as u64,
            (x1 * n).floor() as u64,
            (y1 * n).floor() as u64,
        )
    };
    while tile_url.is_some() && z > 1 {
        let (a, b, c, d) = tiles_for(z);
        if (c - a + 1) * (d - b + 1) <= MAX_TILES {
            break;
        }
        z -= 1;
    }
    let scale = 256.0 * f64::from(1u32 << z);
    let (vx, vy, vw, vh) = (x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale);
    let r = vw.max(vh) / 220.0;
    let tiles: Vec<(f64, f64, String)> = match &tile_url {
        None => Vec::new(),
        Some(url) => {
            let (a, b, c, d) = tiles_for(z);
            let mut v = Vec::new();
            for ty in b..=d {
                for tx in a..=c {
                    v.push((
                        tx as f64 * 256.0,
                        ty as f64 * 256.0,
                        url.replace("{z}", &z.to_string())
                            .replace("{x}", &tx.to_string())
                            .replace("{y}", &ty.to_string()),
                    ));
                }
            }
            v
        }
    };
    html! {
        @if tiles.is_empty() { p.muted { (T.no_tiles) } }
        svg.map id=(id) xmlns="http://www.w3.org/2000/svg" viewBox=(format!("{vx:.1} {vy:.1} {vw:.1} {vh:.1}")) role="group" aria-label=(T.map) {
            @for (x, y, href) in &tiles {
                image href=(href) x=(format!("{x:.0}")) y=(format!("{y:.0}")) width="256" height="256" {}
            }
            // A group, not an image: its points are links a keyboard reaches one by one.
            @for pt in points {
                a href=(pt.href) {
                    circle class=(pt.class) cx=(format!("{:.2}", pt.x * scale)) cy=(format!("{:.2}", pt.y * scale)) r=(format!("{r:.2}")) {
                        title { (pt.title) }
                    }
                }
            }
        }
        @if let Some(a) = &state.config.web.tile_attribution { p.muted { (a) } }
    }
}
