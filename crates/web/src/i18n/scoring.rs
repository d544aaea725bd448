//! Texts of the scoring pages.

/// The texts of the scoring pages.
pub struct Texts {
    /// Title of the entry page (cycles to score).
    pub title: &'static str,
    /// Title of a cycle's list of assessees to score.
    pub assessees_title: &'static str,
    /// Column: assessee.
    pub assessee: &'static str,
    /// Column: items scored.
    pub scored: &'static str,
    /// Column: items missing.
    pub missing: &'static str,
    /// No assessee to score.
    pub nothing_to_score: &'static str,
    /// Link to the scoring of a cycle.
    pub open: &'static str,
    /// Scoring is possible only in the evaluation step.
    pub not_evaluation_step: &'static str,
    /// Heading of the assessee-wide evidence.
    pub evidence_of_assessee: &'static str,
    /// Satisfaction of the responses.
    pub satisfaction: &'static str,
    /// No responses yet.
    pub no_responses: &'static str,
    /// Too few responses to show counts.
    pub withheld: &'static str,
    /// Responses counted.
    pub responses: &'static str,
    /// Self-report materials.
    pub materials: &'static str,
    /// Photos of the assessee's households.
    pub photos: &'static str,
    /// Your current score.
    pub current: &'static str,
    /// Not scored yet.
    pub not_scored: &'static str,
    /// Input: score in points.
    pub score_points: &'static str,
    /// Input: method.
    pub method: &'static str,
    /// Input: comment.
    pub comment: &'static str,
    /// Linked evidence.
    pub linked: &'static str,
    /// Input: other evidence references.
    pub other_evidence: &'static str,
    /// Hint for other evidence.
    pub other_evidence_hint: &'static str,
    /// Button: save the score.
    pub save: &'static str,
    /// Computed item: not scored by hand.
    pub computed: &'static str,
    /// Saved.
    pub saved: &'static str,
    /// The score is not a number with at most one decimal.
    pub bad_score: &'static str,
    /// Unknown method.
    pub bad_method: &'static str,
    /// Bad evidence reference.
    pub bad_evidence: &'static str,
    /// Conflict of interest refusal.
    pub conflict_of_interest: &'static str,
    /// Not commissioned refusal.
    pub not_commissioned: &'static str,
    /// Locked cycle refusal.
    pub locked: &'static str,
    /// Wrong step refusal.
    pub wrong_step: &'static str,
    /// The form was not saved.
    pub not_saved: &'static str,
    /// On-site inspection.
    pub onsite_inspection: &'static str,
    /// Spot check.
    pub spot_check: &'static str,
    /// Document review.
    pub document_review: &'static str,
    /// Computed.
    pub method_computed: &'static str,
    /// Visit.
    pub visit: &'static str,
    /// Response.
    pub response: &'static str,
    /// Document.
    pub document: &'static str,
    /// Link to the read-only sheet.
    pub sheet: &'static str,
    /// Link back to the list.
    pub back_to_list: &'static str,
    /// Link back to the cycles to score.
    pub back_to_cycles: &'static str,
    /// A visit or response waiting for review.
    pub status_submitted: &'static str,
    /// Sent back for correction.
    pub status_returned: &'static str,
    /// Accepted.
    pub status_accepted: &'static str,
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    title: "评分",
    assessees_title: "待评分对象",
    assessee: "被考核对象",
    scored: "已评分项",
    missing: "未评分项",
    nothing_to_score: "没有可评分的对象",
    open: "评分",
    not_evaluation_step: "考核尚未进入（或已离开）评估环节，不能评分",
    evidence_of_assessee: "佐证材料",
    satisfaction: "满意度",
    no_responses: "暂无问卷",
    withheld: "样本过少，不显示",
    responses: "份问卷",
    materials: "自评材料",
    photos: "照片",
    current: "当前评分",
    not_scored: "未评分",
    score_points: "得分（分）",
    method: "评分方式",
    comment: "评分说明",
    linked: "已关联佐证",
    other_evidence: "其他佐证（每行一项，如 document:台账.xlsx）",
    other_evidence_hint: "类型：photo、visit、response、document",
    save: "保存评分",
    computed: "此项由数据自动计算，不需人工评分",
    saved: "评分已保存",
    bad_score: "得分须为数字，最多一位小数",
    bad_method: "请选择评分方式",
    bad_evidence: "佐证格式应为 类型:编号",
    conflict_of_interest: "存在利益冲突：您所在单位与该被考核对象有隶属或结对帮扶关系，不能为其评分",
    not_commissioned: "您未受委托为该对象评分",
    locked: "考核已审定锁定，不能修改评分",
    wrong_step: "评分只能在评估环节进行",
    not_saved: "评分未保存",
    onsite_inspection: "实地核查",
    spot_check: "抽查",
    document_review: "查阅资料",
    method_computed: "数据计算",
    visit: "走访",
    response: "问卷",
    document: "资料",
    sheet: "评分表（只读）",
    back_to_list: "返回评分列表",
    back_to_cycles: "返回评分首页",
    status_submitted: "待复核",
    status_returned: "已退回修改",
    status_accepted: "已通过",
};
