//! Charts drawn on the server as SVG, inline in the page: horizontal stacked bars and lines over
//! days. No script and no `style` attribute (the Content-Security-Policy forbids inline styles):
//! colours come from the classes `series-0` … `series-7` in `app.css`. Every chart has a
//! `<title>` and an `aria-label`, and the numbers are repeated in a table beside it by the page.

use maud::{Markup, html};

/// A linear map from a data range onto a pixel range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    /// Maps `[d0, d1]` onto `[r0, r1]`; an empty domain maps everything to `r0`.
    pub(crate) fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Scale {
            d0: domain.0,
            d1: domain.1,
            r0: range.0,
            r1: range.1,
        }
    }

    /// The pixel position of `v`.
    pub(crate) fn at(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span.abs() < f64::EPSILON || !v.is_finite() {
            return self.r0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }
}

/// A round upper bound for an axis (1, 2 or 5 times a power of ten), at least 1.
pub(crate) fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * p)
}

/// Numbers shown on an axis: 0 and `max` with up to three steps between.
pub(crate) fn ticks(max: f64) -> Vec<f64> {
    let steps = if max >= 4.0 { 4 } else { max.max(1.0) as usize };
    (0..=steps).map(|i| max * i as f64 / steps as f64).collect()
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Characters of a bar's label that fit left of the plot.
const LABEL_CHARS: usize = 11;

/// A label cut to fit, with an ellipsis.
fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

const WIDTH: f64 = 720.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 20.0;
const BAR: f64 = 22.0;
const GAP: f64 = 8.0;
const TOP: f64 = 28.0;

/// Legend entries per line.
const PER_LINE: usize = 5;

/// How far the plot starts below the top: the legend's lines above it.
fn plot_top(series: usize) -> f64 {
    TOP + (series.max(1).div_ceil(PER_LINE) - 1) as f64 * 16.0
}

fn legend(series: &[&str], y: f64) -> Markup {
    html! {
        g.legend {
            @for (i, name) in series.iter().enumerate() {
                @let x = 10.0 + (i % PER_LINE) as f64 * 140.0;
                @let y = y + (i / PER_LINE) as f64 * 16.0;
                rect class=(format!("series-{}", i % 8)) x=(x) y=(y - 10.0) width="10" height="10" {}
                text x=(x + 14.0) y=(y) { (name) }
            }
        }
    }
}

fn empty(title: &str, nothing: &str) -> Markup {
    html! {
        svg.chart role="img" aria-label=(title) viewBox="0 0 720 60" xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            text.empty x="360" y="35" text-anchor="middle" { (nothing) }
        }
    }
}

/// The drawn parts of a stacked bar: (series, where it starts, its value), zeros left out.
fn segments(values: &[f64]) -> Vec<(usize, f64, f64)> {
    let mut start = 0.0;
    let mut out = Vec::new();
    for (s, v) in values.iter().enumerate() {
        if *v > 0.0 && v.is_finite() {
            out.push((s, start, *v));
            start += v;
        }
    }
    out
}

/// Horizontal bars, one per row, each split into the series' parts (stacked). `nothing` is the
/// text shown when there is no row or every value is zero.
pub(crate) fn stacked_bars(
    title: &str,
    series: &[&str],
    rows: &[(String, Vec<f64>)],
    nothing: &str,
) -> Markup {
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().filter(|x| x.is_finite()).sum::<f64>())
        .fold(0.0, f64::max);
    if rows.is_empty() || max <= 0.0 {
        return empty(title, nothing);
    }
    let top = nice_max(max);
    let x = Scale::new((0.0, top), (LEFT, WIDTH - RIGHT));
    let top_y = plot_top(series.len());
    let height = top_y + rows.len() as f64 * (BAR + GAP) + 40.0;
    let bottom = top_y + rows.len() as f64 * (BAR + GAP);
    html! {
        svg.chart role="img" aria-label=(title) viewBox=(format!("0 0 {WIDTH} {height}")) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            (legend(series, 14.0))
            @for t in ticks(top) {
                line.grid x1=(x.at(t)) x2=(x.at(t)) y1=(top_y - 4.0) y2=(bottom) {}
                text.tick x=(x.at(t)) y=(bottom + 14.0) text-anchor="middle" { (num(t)) }
            }
            @for (i, (label, values)) in rows.iter().enumerate() {
                @let y = top_y + i as f64 * (BAR + GAP);
                text.label x=(LEFT - 6.0) y=(y + BAR * 0.7) text-anchor="end" { (short(label)) title { (label) } }
                @for (s, start, v) in segments(values) {
                    @let (x0, x1) = (x.at(start), x.at(start + v));
                    rect class=(format!("series-{}", s % 8)) x=(x0) y=(y) width=((x1 - x0).max(0.5)) height=(BAR) {
                        title { (label) " · " (series.get(s).copied().unwrap_or("")) "：" (num(v)) }
                    }
                }
            }
        }
    }
}

/// The numbers of a stacked bar chart as a table, folded under `summary`, for whoever does not
/// read the picture.
pub(crate) fn table(summary: &str, series: &[&str], rows: &[(String, Vec<f64>)]) -> Markup {
    html! {
        @if !rows.is_empty() {
            details.chart-data {
                summary { (summary) }
                table {
                    thead { tr { th scope="col" {} @for s in series { th scope="col" { (s) } } } }
                    tbody {
                        @for (label, values) in rows {
                            tr {
                                th scope="row" { (label) }
                                @for v in values { td.num { (num(*v)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Lines over the days of `days` (labels of the x axis), one per series.
pub(crate) fn lines(
    title: &str,
    days: &[String],
    series: &[(&str, Vec<f64>)],
    nothing: &str,
) -> Markup {
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    if days.is_empty() || max <= 0.0 {
        return empty(title, nothing);
    }
    let height = 240.0;
    let (plot_top, plot_bottom) = (plot_top(series.len()), height - 40.0);
    let top = nice_max(max);
    let x = Scale::new((0.0, (days.len().max(2) - 1) as f64), (60.0, WIDTH - RIGHT));
    let y = Scale::new((0.0, top), (plot_bottom, plot_top));
    let every = days.len().div_ceil(8).max(1);
    html! {
        svg.chart role="img" aria-label=(title) viewBox=(format!("0 0 {WIDTH} {height}")) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            @let names: Vec<&str> = series.iter().map(|(n, _)| *n).collect();
            (legend(&names, 14.0))
            @for t in ticks(top) {
                line.grid x1="60" x2=(WIDTH - RIGHT) y1=(y.at(t)) y2=(y.at(t)) {}
                text.tick x="54" y=(y.at(t) + 4.0) text-anchor="end" { (num(t)) }
            }
            @for (i, d) in days.iter().enumerate() {
                @if i % every == 0 || i + 1 == days.len() {
                    text.tick x=(x.at(i as f64)) y=(plot_bottom + 16.0) text-anchor="middle" { (d) }
                }
            }
            @for (s, (name, values)) in series.iter().enumerate() {
                @let points: Vec<String> = values.iter().enumerate()
                    .map(|(i, v)| format!("{:.1},{:.1}", x.at(i as f64), y.at(*v)))
                    .collect();
                polyline class=(format!("line series-{}", s % 8)) points=(points.join(" ")) {
                    title { (name) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_maps_its_ends_and_an_empty_domain_to_the_start() {
        let s = Scale::new((0.0, 10.0), (100.0, 200.0));
        assert_eq!(s.at(0.0), 100.0);
        assert_eq!(s.at(10.0), 200.0);
        assert_eq!(s.at(5.0), 150.0);
        let flipped = Scale::new((0.0, 4.0), (200.0, 0.0));
        assert_eq!(flipped.at(1.0), 150.0);
        let empty = Scale::new((3.0, 3.0), (10.0, 20.0));
        assert_eq!(empty.at(3.0), 10.0);
        assert_eq!(empty.at(f64::NAN), 10.0);
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(10.0), 10.0);
        assert_eq!(nice_max(11.0), 20.0);
        assert_eq!(nice_max(120.0), 200.0);
        assert_eq!(ticks(10.0), vec![0.0, 2.5, 5.0, 7.5, 10.0]);
        assert_eq!(ticks(2.0), vec![0.0, 1.0, 2.0]);
    }

    #[test]
    fn empty_data_says_so_instead_of_drawing() {
        let m = stacked_bars("满意度", &["满意"], &[], "暂无数据").into_string();
        assert!(m.contains("暂无数据") && m.contains("<title>满意度</title>"));
        assert!(!m.contains("<rect"));
        let zero = stacked_bars("t", &["a"], &[("x".into(), vec![0.0])], "none").into_string();
        assert!(zero.contains("none") && !zero.contains("<rect"));
        let m = lines("进度", &[], &[("走访", vec![])], "暂无数据").into_string();
        assert!(m.contains("暂无数据") && !m.contains("polyline"));
    }

    #[test]
    fn bars_stack_and_are_labelled_without_inline_styles() {
        let m = stacked_bars(
            "满意度",
            &["满意", "不满意"],
            &[
                ("龙华区".into(), vec![3.0, 1.0]),
                ("美兰区".into(), vec![0.0, 2.0]),
            ],
            "-",
        )
        .into_string();
        assert!(m.contains(r#"aria-label="满意度""#) && m.contains(r#"role="img""#));
        assert!(!m.contains("style="), "{m}");
        // Three parts drawn (the zero is skipped), plus the two legend swatches.
        assert_eq!(m.matches("<rect").count(), 5, "{m}");
        assert!(m.contains("龙华区 · 不满意：1"));
        // The axis runs to 5 (4 rounded up): the first bar's 3 ends at 3/5 of the plot.
        let end_of_three = Scale::new((0.0, 5.0), (LEFT, WIDTH - RIGHT)).at(3.0);
        assert!(m.contains(&format!(r#"x="{end_of_three}""#)), "{m}");
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(short("龙华区"), "龙华区");
        assert_eq!(
            short("海口市发展和改革委员会（结对龙华区）"),
            "海口市发展和改革委员…"
        );
        let m = stacked_bars(
            "t",
            &["a"],
            &[("海口市发展和改革委员会（结对龙华区）".into(), vec![1.0])],
            "-",
        )
        .into_string();
        assert!(m.contains("<title>海口市发展和改革委员会（结对龙华区）</title>"));
    }

    #[test]
    fn the_numbers_are_also_a_table() {
        let m = table(
            "数据",
            &["满意", "不满意"],
            &[("龙华区".into(), vec![3.0, 1.0])],
        )
        .into_string();
        assert!(
            m.contains(
                r#"<th scope="row">龙华区</th><td class="num">3</td><td class="num">1</td>"#
            ),
            "{m}"
        );
        assert!(table("数据", &["a"], &[]).into_string().is_empty());
    }

    #[test]
    fn lines_have_a_point_per_day() {
        let days: Vec<String> = (1..=3).map(|d| format!("12-0{d}")).collect();
        let m = lines("进度", &days, &[("走访", vec![1.0, 0.0, 4.0])], "-").into_string();
        let pts = m
            .split("points=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default();
        assert_eq!(pts.split(' ').count(), 3, "{m}");
        assert!(m.contains("12-01") && m.contains("12-03"));
        assert!(!m.contains("style="));
    }
}
