//! Rules of the yearly assessment (考核): score-sheet templates, the five-step cycle, combining
//! evaluators' scores, grading, and the reproducible household sample of a survey.

use crate::vocab::AssesseeKind;
use crate::{ValidationErrors, validation};
use serde::{Deserialize, Serialize};

/// How an item is scored (考核方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoringMethod {
    /// On-site inspection (实地检查).
    OnsiteInspection,
    /// Spot check (抽查).
    SpotCheck,
    /// Document review (资料查阅).
    DocumentReview,
    /// Computed from data (survey responses, household status).
    Computed,
}

/// Points are kept in tenths, so sums are exact: 12.5 points is 125.
pub type Tenths = i32;

/// Points as people read them: 125 tenths is `12.5`.
pub fn format_points(t: Tenths) -> String {
    format!("{}.{}", t / 10, (t % 10).abs())
}

/// Full marks of every score sheet, in tenths.
pub const FULL_MARKS: Tenths = 1000;

/// One scored item of a category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateItem {
    /// Stable code within the template, e.g. `D6.1`.
    pub code: String,
    /// What is scored.
    pub name: String,
    /// Maximum, in tenths of a point.
    pub max_tenths: Tenths,
    /// How it is scored.
    pub method: ScoringMethod,
    /// Guidance for evaluators.
    #[serde(default)]
    pub guidance: String,
    /// What a computed item is computed from (required when `method` is `computed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ComputedSource>,
}

/// The data a computed item is computed from; its score is the item's maximum times a rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputedSource {
    /// Share of survey responses about the assessee that are satisfied.
    Satisfaction,
    /// Share of the assessee's registered households that have exited poverty.
    PovertyExits,
    /// Share of the assessee's sampled households that have a survey response.
    SurveyCoverage,
}

/// The years an assessment (a cycle, a score sheet) can be for.
pub const ASSESSMENT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Satisfaction counts below this are withheld from assessees by default (`[pii] min_count`).
pub const DEFAULT_MIN_COUNT: u64 = 5;

/// Whether satisfaction counts over `rated` answers must be withheld from someone who may not
/// read individual responses: with few answers, "rated 1, satisfied 0" tells an assessee how one
/// household answered. Official statistics suppress small cells the same way.
pub fn counts_withheld(rated: u64, min_count: u64) -> bool {
    rated < min_count
}

/// A computed item's score: the item's maximum times `numerator / denominator`, rounded half up;
/// 0 when there is nothing to compute from.
pub fn computed_score(max: Tenths, numerator: u64, denominator: u64) -> Tenths {
    if denominator == 0 {
        return 0;
    }
    let numerator = numerator.min(denominator);
    let scaled = 2 * u64::from(max.max(0).unsigned_abs()) * numerator + denominator;
    (scaled / (2 * denominator)) as Tenths
}

/// A category (大类) of a score sheet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateCategory {
    /// Stable code, e.g. `D6`.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its items.
    pub items: Vec<TemplateItem>,
}

/// A score sheet for one assessee kind and year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Assessment year.
    pub year: i32,
    /// Who it scores.
    pub kind: AssesseeKind,
    /// Categories.
    pub categories: Vec<TemplateCategory>,
}

impl Template {
    /// The sum of all maxima, in tenths.
    pub fn total_tenths(&self) -> Tenths {
        self.categories
            .iter()
            .flat_map(|c| &c.items)
            .map(|i| i.max_tenths)
            .sum()
    }

    /// Checks the year, codes, names and maxima, and that the maxima add up to 100 points.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !ASSESSMENT_YEARS.contains(&self.year) {
            errors.add("year", "out-of-range", "a year between 2000 and 2100");
        }
        let mut codes = std::collections::BTreeSet::new();
        if self.categories.is_empty() {
            errors.add("categories", "required", "a score sheet has categories");
        }
        for (ci, c) in self.categories.iter().enumerate() {
            validation::text(&mut errors, &format!("categories[{ci}].name"), &c.name, 100);
            if !codes.insert(c.code.clone()) {
                errors.add(
                    format!("categories[{ci}].code"),
                    "duplicate-code",
                    "codes are unique in a template",
                );
            }
            if c.items.is_empty() {
                errors.add(
                    format!("categories[{ci}].items"),
                    "required",
                    "a category has items",
                );
            }
            for (ii, item) in c.items.iter().enumerate() {
                let at = format!("categories[{ci}].items[{ii}]");
                validation::text(&mut errors, &format!("{at}.name"), &item.name, 200);
                if !codes.insert(item.code.clone()) {
                    errors.add(
                        format!("{at}.code"),
                        "duplicate-code",
                        "codes are unique in a template",
                    );
                }
                match (item.method, item.source) {
                    (ScoringMethod::Computed, None) => errors.add(
                        format!("{at}.source"),
                        "required",
                        "a computed item says what it is computed from",
                    ),
                    (m, Some(_)) if m != ScoringMethod::Computed => errors.add(
                        format!("{at}.source"),
                        "not-computed",
                        "only computed items have a source",
                    ),
                    _ => {}
                }
                if item.max_tenths <= 0 {
                    errors.add(
                        format!("{at}.max_tenths"),
                        "not-positive",
                        "an item is worth more than 0",
                    );
                }
            }
        }
        let total = self.total_tenths();
        if total != FULL_MARKS {
            errors.add(
                "categories",
                "maxima-do-not-sum-to-100",
                format!(
                    "the maxima add up to {} points, not 100",
                    format_points(total)
                ),
            );
        }
        errors.into_result()
    }

    /// The item with this code.
    pub fn item(&self, code: &str) -> Option<&TemplateItem> {
        self.categories
            .iter()
            .flat_map(|c| &c.items)
            .find(|i| i.code == code)
    }
}

/// The default score sheets of the method (districts 7 categories, lead units 5, paired units and
/// responsible persons 8; 100 points each) as data the office copies and edits for a new year.
pub const DEFAULT_TEMPLATES_JSON: &str = include_str!("../data/templates-default.json");

/// Parses the default score sheets.
pub fn default_templates() -> Result<Vec<Template>, String> {
    serde_json::from_str(DEFAULT_TEMPLATES_JSON).map_err(|e| e.to_string())
}

/// The five steps of a cycle (考核步骤), then closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleStep {
    /// 1. Self-reports and materials (形成报告报送材料).
    SelfReport,
    /// 2. Indicator evaluation (指标评估).
    Evaluation,
    /// 3. Data aggregation (数据汇总).
    Aggregation,
    /// 4. Comprehensive review and approval (综合评价, 审定).
    Review,
    /// 5. Results published (通报结果).
    Publication,
}

impl CycleStep {
    /// The steps in order.
    pub const ORDER: [CycleStep; 5] = [
        CycleStep::SelfReport,
        CycleStep::Evaluation,
        CycleStep::Aggregation,
        CycleStep::Review,
        CycleStep::Publication,
    ];

    fn index(self) -> usize {
        Self::ORDER.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// Whether scores, responses, visits and evidence of the cycle are locked: after approval,
    /// i.e. once the cycle has moved on to publication.
    pub fn locked(self) -> bool {
        self == CycleStep::Publication
    }
}

/// Why a step change is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Steps cannot be skipped.
    #[error("a step cannot be skipped: from {from:?} the next step is {next:?}")]
    Skipped {
        /// Current step.
        from: CycleStep,
        /// The only step that may follow.
        next: Option<CycleStep>,
    },
    /// Going back needs a reason.
    #[error("going back to an earlier step needs a reason")]
    ReasonRequired,
    /// Approved results are not reopened by going back; corrections are new versions.
    #[error("an approved cycle cannot go back")]
    Locked,
    /// Already at that step.
    #[error("the cycle is already at this step")]
    Same,
}

/// Checks a step change: forward one step at a time; back to any earlier step with a reason,
/// but never back out of publication (approval locked the results).
pub fn check_transition(
    from: CycleStep,
    to: CycleStep,
    reason: Option<&str>,
) -> Result<(), TransitionError> {
    let (f, t) = (from.index(), to.index());
    if f == t {
        return Err(TransitionError::Same);
    }
    if t > f {
        if t != f + 1 {
            return Err(TransitionError::Skipped {
                from,
                next: CycleStep::ORDER.get(f + 1).copied(),
            });
        }
        return Ok(());
    }
    if from.locked() {
        return Err(TransitionError::Locked);
    }
    match reason.map(str::trim) {
        Some(r) if !r.is_empty() => Ok(()),
        _ => Err(TransitionError::ReasonRequired),
    }
}

/// How the scores of several evaluators on one item are combined (set on the cycle).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineRule {
    /// Arithmetic mean, rounded half up to a tenth.
    Mean,
    /// The lowest score (the strict reading).
    Min,
    /// The highest score.
    Max,
}

/// Combines evaluators' scores of one item; `None` when nobody scored it.
pub fn combine(rule: CombineRule, scores: &[Tenths]) -> Option<Tenths> {
    if scores.is_empty() {
        return None;
    }
    Some(match rule {
        CombineRule::Min => *scores.iter().min()?,
        CombineRule::Max => *scores.iter().max()?,
        CombineRule::Mean => {
            let sum: i64 = scores.iter().map(|s| i64::from(*s)).sum();
            let n = scores.len() as i64;
            ((2 * sum + n) / (2 * n)) as Tenths
        }
    })
}

/// Checks a score against its item's maximum.
pub fn check_score(score: Tenths, max: Tenths) -> Result<(), ValidationErrors> {
    if score < 0 || score > max {
        return Err(ValidationErrors::single(
            "score",
            "out-of-range",
            format!("between 0 and {}", format_points(max)),
        ));
    }
    Ok(())
}

/// Whether an evaluator employed by `evaluator_unit` would score an assessee it is tied to: the
/// assessee's own unit, a responsible person's unit, or a unit paired with the assessee's villages.
pub fn conflict_of_interest(evaluator_unit: Option<uuid::Uuid>, tied_units: &[uuid::Uuid]) -> bool {
    evaluator_unit.is_some_and(|u| tied_units.contains(&u))
}

/// The grade (考核等次).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 达标.
    Pass,
    /// 不达标: published and held to account.
    Fail,
}

/// The grade a total suggests against the cycle's threshold.
pub fn suggested_grade(total: Tenths, threshold: Tenths) -> Grade {
    if total >= threshold {
        Grade::Pass
    } else {
        Grade::Fail
    }
}

/// The leading group's decision: overriding the suggestion needs a reason.
pub fn check_decision(
    suggested: Grade,
    decided: Grade,
    reason: Option<&str>,
) -> Result<(), ValidationErrors> {
    if suggested != decided && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(ValidationErrors::single(
            "reason",
            "required",
            "overriding the suggested grade needs a reason",
        ));
    }
    Ok(())
}

/// A household that may be sampled, with its stratum (village code) and a stable id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Stratum: the village's division code.
    pub stratum: String,
    /// Stable id (the household id as text).
    pub id: String,
}

/// How many households each stratum gives.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleSize {
    /// The same number from every village (all of them when fewer).
    PerStratum(usize),
    /// A proportion of every village, rounded up (at least one household per village).
    Proportion(f64),
}

impl SampleSize {
    /// How many of a stratum of `households` this rule draws (what the office sees before
    /// drawing, and what [`stratified_sample`] keeps).
    pub fn of(self, households: usize) -> usize {
        match self {
            SampleSize::PerStratum(k) => k.min(households),
            SampleSize::Proportion(p) => {
                let p = if p.is_finite() {
                    p.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                ((households as f64 * p).ceil() as usize).clamp(usize::from(p > 0.0), households)
            }
        }
    }
}

/// SplitMix64: a tiny, well-known generator, so anyone can recompute a sample from its seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Draws a stratified random sample, reproducibly.
///
/// Algorithm (documented so anyone can check that nobody hand-picked easy households): group the
/// candidates by stratum; sort strata by code and the households of each by id; for each stratum
/// seed SplitMix64 with `seed XOR FNV-1a(stratum code)`, run a Fisher–Yates shuffle drawing
/// `next() % (i + 1)` for i from the last index down to 1, and keep the first n. The result is
/// sorted by stratum, then id. The same seed and candidates always give the same sample, and the
/// order candidates arrive in does not matter.
pub fn stratified_sample(candidates: &[Candidate], size: SampleSize, seed: u64) -> Vec<Candidate> {
    let mut strata: std::collections::BTreeMap<&str, Vec<&Candidate>> =
        std::collections::BTreeMap::new();
    for c in candidates {
        strata.entry(c.stratum.as_str()).or_default().push(c);
    }
    let mut out = Vec::new();
    for (stratum, mut members) in strata {
        members.sort_by(|a, b| a.id.cmp(&b.id));
        members.dedup_by(|a, b| a.id == b.id);
        let n = size.of(members.len());
        let mut rng = SplitMix64(seed ^ fnv1a(stratum));
        for i in (1..members.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            members.swap(i, j);
        }
        let mut picked: Vec<Candidate> = members.into_iter().take(n).cloned().collect();
        picked.sort_by(|a, b| a.id.cmp(&b.id));
        out.extend(picked);
    }
    out
}

/// Where one assessee stands in a cycle, counted by the store: what a step needs is read from it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssesseeReadiness {
    /// The assessee.
    pub assessee: uuid::Uuid,
    /// Categories of its score sheet (one self-report each).
    pub categories: u32,
    /// Categories with a report submitted (or accepted).
    pub reports_submitted: u32,
    /// Reports returned to it for rework and not resubmitted.
    pub reports_returned: u32,
    /// Items of its sheet an evaluator scores (not computed).
    pub items_to_score: u32,
    /// Of those, items with at least one current score.
    pub items_scored: u32,
    /// Whether the aggregation produced its result.
    pub has_result: bool,
    /// Whether the leading group decided its grade.
    pub decided: bool,
}

/// What a cycle holds when a move is considered: one line per assessee, and the number of
/// results stored for the cycle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CycleCounts {
    /// Per assessee.
    pub assessees: Vec<AssesseeReadiness>,
    /// Results stored for the cycle (all assessees).
    pub results: u64,
}

/// Something a step needs that is not there yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// An assessee has not submitted a self-report for every category.
    SelfReports {
        /// The assessee.
        assessee: uuid::Uuid,
        /// Submitted.
        submitted: u32,
        /// Expected (its sheet's categories).
        expected: u32,
    },
    /// Reports returned for rework and not resubmitted.
    ReturnedReports {
        /// The assessee.
        assessee: uuid::Uuid,
        /// How many.
        count: u32,
    },
    /// An assessee has items nobody scored.
    Scores {
        /// The assessee.
        assessee: uuid::Uuid,
        /// Items scored.
        scored: u32,
        /// Items to score.
        expected: u32,
    },
    /// Assessees without a result: the aggregation has not run (since they were added).
    Results {
        /// How many assessees have none.
        without: u32,
    },
    /// No result at all: approval has nothing to approve.
    NotAggregated,
    /// Results whose grade the leading group has not decided (approval takes the suggestion).
    Decisions {
        /// How many.
        pending: u32,
    },
}

impl Missing {
    /// Whether the move is refused while this is missing (the others are shown, not enforced):
    /// approving a cycle without results.
    pub fn blocks(&self) -> bool {
        matches!(self, Missing::NotAggregated)
    }
}

/// What moving forward into `to` needs, and which of it is missing. Going back needs only a
/// reason ([`check_transition`]). Into evaluation: every assessee's self-reports submitted and
/// none left returned; into aggregation: every evaluator-scored item scored; into review: every
/// assessee aggregated; into publication: results at all (enforced), decisions (shown).
pub fn step_needs(to: CycleStep, counts: &CycleCounts) -> Vec<Missing> {
    let mut out = Vec::new();
    match to {
        CycleStep::SelfReport => {}
        CycleStep::Evaluation => {
            for a in &counts.assessees {
                if a.reports_submitted < a.categories {
                    out.push(Missing::SelfReports {
                        assessee: a.assessee,
                        submitted: a.reports_submitted,
                        expected: a.categories,
                    });
                }
                if a.reports_returned > 0 {
                    out.push(Missing::ReturnedReports {
                        assessee: a.assessee,
                        count: a.reports_returned,
                    });
                }
            }
        }
        CycleStep::Aggregation => {
            for a in &counts.assessees {
                if a.items_scored < a.items_to_score {
                    out.push(Missing::Scores {
                        assessee: a.assessee,
                        scored: a.items_scored,
                        expected: a.items_to_score,
                    });
                }
            }
        }
        CycleStep::Review | CycleStep::Publication => {
            if counts.results == 0 {
                if to == CycleStep::Publication {
                    out.push(Missing::NotAggregated);
                } else {
                    out.push(Missing::Results {
                        without: counts.assessees.len() as u32,
                    });
                }
                return out;
            }
            let without = counts.assessees.iter().filter(|a| !a.has_result).count() as u32;
            if without > 0 {
                out.push(Missing::Results { without });
            }
            if to == CycleStep::Publication {
                let pending = counts
                    .assessees
                    .iter()
                    .filter(|a| a.has_result && !a.decided)
                    .count() as u32;
                if pending > 0 {
                    out.push(Missing::Decisions { pending });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(n: u128) -> AssesseeReadiness {
        AssesseeReadiness {
            assessee: uuid::Uuid::from_u128(n),
            categories: 3,
            reports_submitted: 3,
            reports_returned: 0,
            items_to_score: 5,
            items_scored: 5,
            has_result: true,
            decided: true,
        }
    }

    #[test]
    fn a_step_lists_what_is_missing_for_it_and_only_that() {
        let mut late = ready(2);
        late.reports_submitted = 1;
        late.reports_returned = 1;
        late.items_scored = 4;
        late.has_result = false;
        let counts = CycleCounts {
            assessees: vec![ready(1), late],
            results: 1,
        };
        let who = uuid::Uuid::from_u128(2);
        assert_eq!(
            step_needs(CycleStep::Evaluation, &counts),
            vec![
                Missing::SelfReports {
                    assessee: who,
                    submitted: 1,
                    expected: 3
                },
                Missing::ReturnedReports {
                    assessee: who,
                    count: 1
                },
            ]
        );
        assert_eq!(
            step_needs(CycleStep::Aggregation, &counts),
            vec![Missing::Scores {
                assessee: who,
                scored: 4,
                expected: 5
            }]
        );
        assert_eq!(
            step_needs(CycleStep::Review, &counts),
            vec![Missing::Results { without: 1 }]
        );
        assert_eq!(
            step_needs(CycleStep::Publication, &counts),
            vec![Missing::Results { without: 1 }]
        );
        assert!(step_needs(CycleStep::SelfReport, &counts).is_empty());
        let all = CycleCounts {
            assessees: vec![ready(1), ready(3)],
            results: 2,
        };
        for s in CycleStep::ORDER {
            assert!(step_needs(s, &all).is_empty(), "{s:?}");
        }
    }

    #[test]
    fn only_approval_without_results_blocks_a_move() {
        let mut undecided = ready(1);
        undecided.decided = false;
        let counts = CycleCounts {
            assessees: vec![undecided.clone()],
            results: 0,
        };
        let needs = step_needs(CycleStep::Publication, &counts);
        assert_eq!(needs, vec![Missing::NotAggregated]);
        assert!(needs[0].blocks());
        // Into review, the same absence is shown but does not block.
        let review = step_needs(CycleStep::Review, &counts);
        assert_eq!(review, vec![Missing::Results { without: 1 }]);
        assert!(!review[0].blocks());
        // With results, pending decisions are shown (approval takes the suggestion).
        let counts = CycleCounts {
            assessees: vec![undecided],
            results: 1,
        };
        let needs = step_needs(CycleStep::Publication, &counts);
        assert_eq!(needs, vec![Missing::Decisions { pending: 1 }]);
        assert!(!needs.iter().any(Missing::blocks));
        // No assessee at all and no result: still nothing to approve.
        assert_eq!(
            step_needs(CycleStep::Publication, &CycleCounts::default()),
            vec![Missing::NotAggregated]
        );
    }

    fn item(code: &str, max: Tenths) -> TemplateItem {
        TemplateItem {
            code: code.into(),
            name: format!("项目{code}"),
            max_tenths: max,
            method: ScoringMethod::OnsiteInspection,
            guidance: String::new(),
            source: None,
        }
    }

    #[test]
    fn an_evaluator_never_scores_its_own_unit() {
        let (a, b) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert!(conflict_of_interest(Some(a), &[b, a]));
        assert!(!conflict_of_interest(Some(a), &[b]));
        assert!(!conflict_of_interest(None, &[a, b]));
    }

    #[test]
    fn computed_scores_scale_the_maximum_and_never_exceed_it() {
        assert_eq!(computed_score(150, 0, 0), 0);
        assert_eq!(computed_score(150, 1, 2), 75);
        assert_eq!(computed_score(100, 2, 3), 67);
        assert_eq!(computed_score(100, 1, 3), 33);
        assert_eq!(computed_score(100, 5, 3), 100);
        for d in 1..50u64 {
            for n in 0..=d {
                let s = computed_score(150, n, d);
                assert!((0..=150).contains(&s));
            }
        }
    }

    #[test]
    fn a_computed_item_needs_a_source_and_only_it() {
        let mut t = default_templates().unwrap().remove(0);
        t.categories[0].items[0].source = None;
        let e = t.validate().unwrap_err();
        assert!(
            e.0.iter()
                .any(|f| f.code == "required" && f.field.ends_with(".source"))
        );
        let mut t = default_templates().unwrap().remove(0);
        t.categories[0].items[1].source = Some(ComputedSource::Satisfaction);
        let e = t.validate().unwrap_err();
        assert!(e.0.iter().any(|f| f.code == "not-computed"));
    }

    #[test]
    fn templates_must_sum_to_100() {
        let mut t = Template {
            year: 2026,
            kind: AssesseeKind::DistrictGovernment,
            categories: vec![TemplateCategory {
                code: "D1".into(),
                name: "脱贫".into(),
                items: vec![item("D1.1", 600), item("D1.2", 400)],
            }],
        };
        assert!(t.validate().is_ok());
        t.categories[0].items[1].max_tenths = 395;
        let e = t.validate().unwrap_err();
        assert_eq!(e.0[0].code, "maxima-do-not-sum-to-100");
        t.categories[0].items[1] = item("D1.1", 400);
        assert!(
            t.validate()
                .unwrap_err()
                .0
                .iter()
                .any(|f| f.code == "duplicate-code")
        );
    }

    #[test]
    fn the_default_sheets_follow_the_method() {
        let sheets = default_templates().unwrap();
        let count = |k| {
            sheets
                .iter()
                .find(|t| t.kind == k)
                .map(|t| t.categories.len())
        };
        assert_eq!(count(AssesseeKind::DistrictGovernment), Some(7));
        assert_eq!(count(AssesseeKind::LeadUnit), Some(5));
        assert_eq!(count(AssesseeKind::PairedUnit), Some(8));
        assert_eq!(count(AssesseeKind::ResponsiblePerson), Some(8));
        for t in &sheets {
            t.validate().unwrap();
        }
    }

    #[test]
    fn steps_go_forward_one_at_a_time_and_back_with_a_reason() {
        use CycleStep::*;
        assert!(check_transition(SelfReport, Evaluation, None).is_ok());
        assert!(matches!(
            check_transition(SelfReport, Aggregation, None),
            Err(TransitionError::Skipped { .. })
        ));
        assert_eq!(
            check_transition(Review, Evaluation, None),
            Err(TransitionError::ReasonRequired)
        );
        assert!(check_transition(Review, Evaluation, Some("材料不全，退回重评")).is_ok());
        assert_eq!(
            check_transition(Publication, Review, Some("x")),
            Err(TransitionError::Locked)
        );
        assert!(Publication.locked() && !Review.locked());
    }

    #[test]
    fn combining_and_grading() {
        assert_eq!(combine(CombineRule::Mean, &[80, 85]), Some(83));
        assert_eq!(combine(CombineRule::Min, &[80, 85]), Some(80));
        assert_eq!(combine(CombineRule::Max, &[80, 85]), Some(85));
        assert_eq!(combine(CombineRule::Mean, &[]), None);
        assert!(
            check_score(101, 100).is_err()
                && check_score(-1, 100).is_err()
                && check_score(100, 100).is_ok()
        );
        assert_eq!(suggested_grade(800, 800), Grade::Pass);
        assert_eq!(suggested_grade(799, 800), Grade::Fail);
        assert!(check_decision(Grade::Fail, Grade::Pass, None).is_err());
        assert!(check_decision(Grade::Fail, Grade::Pass, Some("领导小组评议")).is_ok());
    }

    fn candidates() -> Vec<Candidate> {
        (0..300)
            .map(|i| Candidate {
                stratum: format!("46010600120{}", i % 3),
                id: format!("h{i:04}"),
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_sample_in_any_input_order() {
        let c = candidates();
        let a = stratified_sample(&c, SampleSize::Proportion(0.2), 42);
        let mut reversed = c.clone();
        reversed.reverse();
        assert_eq!(
            a,
            stratified_sample(&reversed, SampleSize::Proportion(0.2), 42)
        );
        assert_ne!(a, stratified_sample(&c, SampleSize::Proportion(0.2), 43));
    }

    #[test]
    fn the_size_shown_before_drawing_is_the_size_drawn() {
        let c = candidates();
        let mut per: std::collections::BTreeMap<&str, usize> = Default::default();
        for x in &c {
            *per.entry(x.stratum.as_str()).or_default() += 1;
        }
        for size in [
            SampleSize::PerStratum(7),
            SampleSize::Proportion(0.15),
            SampleSize::Proportion(1.0),
        ] {
            let drawn = stratified_sample(&c, size, 9);
            for (stratum, n) in &per {
                let got = drawn.iter().filter(|d| d.stratum == *stratum).count();
                assert_eq!(got, size.of(*n), "{size:?} {stratum}");
            }
        }
        assert_eq!(SampleSize::Proportion(0.01).of(3), 1);
        assert_eq!(SampleSize::PerStratum(5).of(3), 3);
    }

    #[test]
    fn samples_have_the_right_size_and_no_household_twice() {
        let c = candidates();
        for seed in 0..200u64 {
            let s = stratified_sample(&c, SampleSize::Proportion(0.15), seed);
            assert_eq!(s.len(), 3 * 15);
            let ids: std::collections::BTreeSet<_> = s.iter().map(|c| &c.id).collect();
            assert_eq!(ids.len(), s.len());
            for stratum in ["460106001200", "460106001201", "460106001202"] {
                assert_eq!(s.iter().filter(|c| c.stratum == stratum).count(), 15);
            }
            let fixed = stratified_sample(&c, SampleSize::PerStratum(7), seed);
            assert_eq!(fixed.len(), 21);
        }
        assert_eq!(
            stratified_sample(&c, SampleSize::PerStratum(1000), 1).len(),
            300
        );
        assert_eq!(
            stratified_sample(&c, SampleSize::Proportion(f64::NAN), 1).len(),
            0
        );
    }

    #[test]
    fn the_draw_is_the_documented_algorithm() {
        // Expected values computed by an independent Python implementation written from
        // api-spec/assessment.md alone, so the documentation and the code cannot drift apart.
        let picked: Vec<(String, String)> =
            stratified_sample(&candidates(), SampleSize::PerStratum(3), 42)
                .into_iter()
                .map(|c| (c.stratum, c.id))
                .collect();
        let expected = [
            ("460106001200", "h0045"),
            ("460106001200", "h0129"),
            ("460106001200", "h0201"),
            ("460106001201", "h0136"),
            ("460106001201", "h0154"),
            ("460106001201", "h0259"),
            ("460106001202", "h0125"),
            ("460106001202", "h0164"),
            ("460106001202", "h0200"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(s, i)| (s.to_string(), i.to_string()))
            .collect();
        assert_eq!(picked, expected);
    }

    #[test]
    fn every_household_can_be_drawn() {
        // Over many seeds the draw reaches every household of a stratum: no one is shielded.
        let c: Vec<Candidate> = (0..20)
            .map(|i| Candidate {
                stratum: "v".into(),
                id: format!("h{i:02}"),
            })
            .collect();
        let mut hit = std::collections::BTreeSet::new();
        for seed in 0..500 {
            for s in stratified_sample(&c, SampleSize::PerStratum(2), seed) {
                hit.insert(s.id);
            }
        }
        assert_eq!(hit.len(), 20);
    }
}
