//! Texts of the fieldwork pages.

/// The texts of the fieldwork pages.
pub struct Texts {
    /// Entry page title.
    pub title: &'static str,
    /// Column: year.
    pub year: &'static str,
    /// Column: step.
    pub step: &'static str,
    /// Column or heading: samples.
    pub samples: &'static str,
    /// Link: assignments.
    pub assignments: &'static str,
    /// Link and title: progress.
    pub progress: &'static str,
    /// Link and title: draw a sample.
    pub draw: &'static str,
    /// No samples yet.
    pub no_samples: &'static str,
    /// Sample name.
    pub name: &'static str,
    /// Seed.
    pub seed: &'static str,
    /// Seed help.
    pub seed_help: &'static str,
    /// District limit.
    pub district: &'static str,
    /// Whole city.
    pub all_districts: &'static str,
    /// Size rule.
    pub size_rule: &'static str,
    /// Size rule: per village.
    pub per_stratum: &'static str,
    /// Size rule: proportion.
    pub proportion: &'static str,
    /// Size value.
    pub size: &'static str,
    /// Button: show the sizes per village.
    pub preview: &'static str,
    /// Heading: sizes per village.
    pub sizes: &'static str,
    /// Column: village.
    pub village: &'static str,
    /// Column: households.
    pub households: &'static str,
    /// Column: to be drawn.
    pub to_draw: &'static str,
    /// Total.
    pub total: &'static str,
    /// Candidates.
    pub candidates: &'static str,
    /// Drawn.
    pub drawn: &'static str,
    /// Drawn at.
    pub created_at: &'static str,
    /// Algorithm.
    pub algorithm: &'static str,
    /// Link: verify.
    pub verify: &'static str,
    /// Verification title.
    pub verification: &'static str,
    /// Verification: matches.
    pub matches: &'static str,
    /// Verification: differs.
    pub differs: &'static str,
    /// Candidates when drawn.
    pub candidates_then: &'static str,
    /// Candidates now.
    pub candidates_now: &'static str,
    /// Back to the sample.
    pub back_to_sample: &'static str,
    /// Heading: map of the sample.
    pub map: &'static str,
    /// Heading: assign.
    pub assign: &'static str,
    /// Checkbox: the village's sampled households.
    pub select_village: &'static str,
    /// Checkbox: the whole village as one task.
    pub whole_village: &'static str,
    /// Registration number.
    pub registration_no: &'static str,
    /// Assigned to.
    pub assigned_to: &'static str,
    /// Field user.
    pub user: &'static str,
    /// Method.
    pub method: &'static str,
    /// Due date.
    pub due_on: &'static str,
    /// Note.
    pub note: &'static str,
    /// Button: create the assignments.
    pub create: &'static str,
    /// Nothing chosen.
    pub nothing_chosen: &'static str,
    /// Created n assignments (prefix).
    pub created: &'static str,
    /// Moved n assignments (prefix).
    pub moved: &'static str,
    /// Target.
    pub target: &'static str,
    /// Target kind: a whole village.
    pub village_task: &'static str,
    /// Choose.
    pub choose: &'static str,
    /// Button: filter.
    pub show: &'static str,
    /// Everyone.
    pub everyone: &'static str,
    /// Heading: reassign.
    pub reassign: &'static str,
    /// Reassign: to whom.
    pub to_user: &'static str,
    /// Button: move.
    pub move_them: &'static str,
    /// Hint: choose a user to reassign.
    pub reassign_hint: &'static str,
    /// Choose an assignment.
    pub choose_assignment: &'static str,
    /// No assignments.
    pub no_assignments: &'static str,
    /// Heading: per field user.
    pub per_user: &'static str,
    /// Heading: per village.
    pub per_village: &'static str,
    /// Column: assigned.
    pub assigned: &'static str,
    /// Column: visited.
    pub visited: &'static str,
    /// Column: surveyed.
    pub surveyed: &'static str,
    /// Column: due.
    pub due: &'static str,
    /// Column: overdue.
    pub overdue: &'static str,
    /// Column: evidence.
    pub evidence: &'static str,
    /// Link: photos.
    pub photos: &'static str,
    /// Heading of form errors.
    pub errors: &'static str,
    /// The cycle is approved and locked (or the workflow refused).
    pub refused: &'static str,
    /// Form field errors, by field.
    pub field_name: &'static str,
    /// Not a number.
    pub not_a_number: &'static str,
    /// Not a date.
    pub not_a_date: &'static str,
    /// Not a user.
    pub not_a_user: &'static str,
    /// Not an id.
    pub not_an_id: &'static str,
    /// Unknown method.
    pub unknown_method: &'static str,
    /// Not in this sample.
    pub not_in_sample: &'static str,
    /// The note prefilled on a sample's assignments, before the sample's name.
    pub sample_note: &'static str,
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    title: "抽样与任务",
    year: "年度",
    step: "阶段",
    samples: "抽样",
    assignments: "任务分派",
    progress: "工作进度",
    draw: "抽取样本",
    no_samples: "尚未抽样",
    name: "样本名称",
    seed: "随机种子",
    seed_help: "相同种子与相同户籍数据得到相同样本，可供复核",
    district: "限定区县",
    all_districts: "全市",
    size_rule: "抽样规则",
    per_stratum: "每村固定户数",
    proportion: "每村比例",
    size: "户数或比例",
    preview: "预览各村抽样数",
    sizes: "各村抽样数",
    village: "行政村",
    households: "户数",
    to_draw: "抽取户数",
    total: "合计",
    candidates: "候选户数",
    drawn: "抽中户数",
    created_at: "抽样时间",
    algorithm: "抽样算法",
    verify: "复核样本",
    verification: "样本复核",
    matches: "复核一致：按种子重新抽取的结果与保存的样本相同",
    differs: "复核不一致：按种子重新抽取的结果与保存的样本不同（户籍数据可能已变化）",
    candidates_then: "抽样时候选户数",
    candidates_now: "当前候选户数",
    back_to_sample: "返回样本",
    map: "样本分布图",
    assign: "分派任务",
    select_village: "选中本村全部样本户",
    whole_village: "整村作为一项任务",
    registration_no: "户编号",
    assigned_to: "已分派给",
    user: "核查员或调查员",
    method: "任务类型",
    due_on: "完成期限",
    note: "说明",
    create: "创建任务",
    nothing_chosen: "请至少选择一户或一个村",
    created: "已创建任务数",
    moved: "已转派任务数",
    target: "对象",
    village_task: "整村",
    choose: "请选择",
    show: "筛选",
    everyone: "全部人员",
    reassign: "转派任务",
    to_user: "转派给",
    move_them: "转派所选任务",
    reassign_hint: "先按人员筛选，再勾选要转派的任务",
    choose_assignment: "请至少勾选一项任务",
    no_assignments: "暂无任务",
    per_user: "按人员",
    per_village: "按行政村",
    assigned: "已分派户",
    visited: "已走访",
    surveyed: "已调查",
    due: "未到期待办",
    overdue: "已逾期",
    evidence: "佐证材料",
    photos: "查看照片",
    errors: "请修改以下内容",
    refused: "操作被拒绝",
    field_name: "字段",
    not_a_number: "不是有效的数字",
    not_a_date: "不是有效的日期",
    not_a_user: "请选择核查员或调查员",
    not_an_id: "不是有效的编号",
    unknown_method: "未知的任务类型",
    not_in_sample: "不属于本样本",
    sample_note: "样本任务",
};

/// The name of an assignment kind (`method`).
pub fn method_label(m: &str) -> &'static str {
    match m {
        "on_site_verification" => "实地核查",
        "sample_survey" => "满意度抽样调查",
        "spot_check" => "抽查",
        _ => "未知",
    }
}
