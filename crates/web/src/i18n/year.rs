//! Texts of the cycle control pages: the cycles list, the steps and their moves, self-reports,
//! commissions, aggregation, decisions and publication.

/// The texts of the cycle control pages.
pub struct Texts {
    /// New cycle form heading.
    pub new_cycle: &'static str,
    /// Create button.
    pub create: &'static str,
    /// Step due dates.
    pub step_dates: &'static str,
    /// Pass threshold.
    pub pass_threshold: &'static str,
    /// Year not a number.
    pub year_invalid: &'static str,
    /// Threshold not a number.
    pub threshold_invalid: &'static str,
    /// Date not a date.
    pub date_invalid: &'static str,
    /// Lock badge.
    pub locked: &'static str,
    /// Lock explanation.
    pub locked_help: &'static str,
    /// Cycle control heading.
    pub control: &'static str,
    /// Timeline heading.
    pub timeline: &'static str,
    /// Due date.
    pub due: &'static str,
    /// Current step marker.
    pub current: &'static str,
    /// Done step marker.
    pub done: &'static str,
    /// Upcoming step marker.
    pub upcoming: &'static str,
    /// Moves heading.
    pub moves: &'static str,
    /// When.
    pub when: &'static str,
    /// Who.
    pub who: &'static str,
    /// From step.
    pub from_step: &'static str,
    /// To step.
    pub to_step: &'static str,
    /// No moves yet.
    pub no_moves: &'static str,
    /// What the next step needs heading.
    pub next_needs: &'static str,
    /// Nothing missing.
    pub nothing_missing: &'static str,
    /// Blocking marker.
    pub blocks: &'static str,
    /// Advisory marker.
    pub advisory: &'static str,
    /// Move forward button.
    pub move_forward: &'static str,
    /// Move back heading.
    pub move_back: &'static str,
    /// Back to step.
    pub back_to: &'static str,
    /// Reason of going back.
    pub back_reason: &'static str,
    /// Move back button.
    pub move_back_button: &'static str,
    /// A reason is required.
    pub reason_needed: &'static str,
    /// Final step reached.
    pub final_step: &'static str,
    /// Self-reports missing.
    pub missing_reports: &'static str,
    /// Returned reports.
    pub returned_reports: &'static str,
    /// Scores missing.
    pub missing_scores: &'static str,
    /// Results missing.
    pub missing_results: &'static str,
    /// Not aggregated.
    pub not_aggregated: &'static str,
    /// Decisions pending.
    pub pending_decisions: &'static str,
    /// Self-reports.
    pub self_reports: &'static str,
    /// Category.
    pub category: &'static str,
    /// Summary.
    pub summary: &'static str,
    /// Materials.
    pub materials: &'static str,
    /// Return comment.
    pub return_comment: &'static str,
    /// Return button.
    pub return_button: &'static str,
    /// Comment required.
    pub comment_required: &'static str,
    /// No reports.
    pub no_reports: &'static str,
    /// Status submitted.
    pub report_status_submitted: &'static str,
    /// Status returned.
    pub report_status_returned: &'static str,
    /// Status accepted.
    pub report_status_accepted: &'static str,
    /// Returning only in step 1.
    pub returns_only_in_step1: &'static str,
    /// Commissions.
    pub commissions: &'static str,
    /// Evaluator.
    pub evaluator: &'static str,
    /// Choose.
    pub choose: &'static str,
    /// Assessees.
    pub assessees_to_score: &'static str,
    /// Commission button.
    pub commission_button: &'static str,
    /// No evaluators.
    pub no_evaluators: &'static str,
    /// Commissioned list heading.
    pub commissioned: &'static str,
    /// Added count.
    pub added: &'static str,
    /// Evaluator required.
    pub choose_evaluator: &'static str,
    /// Assessees required.
    pub choose_assessees: &'static str,
    /// Conflict of interest.
    pub conflict_of_interest: &'static str,
    /// Not an evaluator.
    pub not_an_evaluator: &'static str,
    /// Aggregate button.
    pub aggregate: &'static str,
    /// Aggregated notice.
    pub aggregated: &'static str,
    /// Decision.
    pub decision: &'static str,
    /// Decide button.
    pub decide_button: &'static str,
    /// Override reason.
    pub override_reason: &'static str,
    /// Override needs reason.
    pub override_needs_reason: &'static str,
    /// Publish button.
    pub publish: &'static str,
    /// Publish help.
    pub publish_help: &'static str,
    /// Wrong step.
    pub wrong_step: &'static str,
    /// Step skipped.
    pub step_skipped: &'static str,
    /// Same step.
    pub same_step: &'static str,
    /// Cycle locked.
    pub cycle_locked: &'static str,
    /// Grade.
    pub grade: &'static str,
    /// Bad grade.
    pub bad_grade: &'static str,
    /// Bad step.
    pub bad_step: &'static str,
    /// Sheet link.
    pub sheet_link: &'static str,
    /// Pages of the cycle.
    pub pages: &'static str,
    /// Year exists.
    pub year_exists: &'static str,
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    new_cycle: "新建考核年度",
    create: "创建",
    step_dates: "各步骤截止日期（可不填，按默认）",
    pass_threshold: "达标分数线（分）",
    year_invalid: "年度须为2000至2100之间的整数",
    threshold_invalid: "分数线须为0至100之间的数字，最多一位小数",
    date_invalid: "日期格式有误",
    locked: "已审定锁定",
    locked_help: "审定后本年度数据只读，任何修改都会被拒绝。",
    control: "流程控制",
    timeline: "步骤",
    due: "截止",
    current: "当前",
    done: "已完成",
    upcoming: "未开始",
    moves: "流转记录",
    when: "时间",
    who: "操作人",
    from_step: "原步骤",
    to_step: "新步骤",
    no_moves: "尚无流转记录",
    next_needs: "进入下一步前的检查",
    nothing_missing: "没有缺项，可以进入下一步",
    blocks: "必须先完成",
    advisory: "提示",
    move_forward: "进入下一步：",
    move_back: "退回到前面的步骤",
    back_to: "退回到",
    back_reason: "退回理由（必填）",
    move_back_button: "退回",
    reason_needed: "退回到前面的步骤必须填写理由",
    final_step: "已是最后一步",
    missing_reports: "自查报告未全部提交：已交 {0} / 应交 {1}",
    returned_reports: "被退回待重交的自查报告 {0} 份",
    missing_scores: "尚有评分项目未评分：已评 {0} / 应评 {1}",
    missing_results: "{0} 个考核对象尚无汇总结果",
    not_aggregated: "尚未进行数据汇总，无结果可审定",
    pending_decisions: "{0} 个考核对象尚未审定等次（审定时将采用建议等次）",
    self_reports: "自查报告",
    category: "类别",
    summary: "报告摘要",
    materials: "材料",
    return_comment: "退回意见",
    return_button: "退回修改",
    comment_required: "退回时必须填写意见",
    no_reports: "尚无自查报告",
    report_status_submitted: "已提交",
    report_status_returned: "已退回",
    report_status_accepted: "已接受",
    returns_only_in_step1: "只有在第1步（自查报告）期间可以退回",
    commissions: "委托第三方评估",
    evaluator: "评估人员",
    choose: "请选择",
    assessees_to_score: "委托评估的考核对象",
    commission_button: "委托",
    no_evaluators: "尚无评估人员账号（角色为评估人员）",
    commissioned: "已委托",
    added: "新增委托 {0} 项",
    choose_evaluator: "请选择评估人员",
    choose_assessees: "请至少选择一个考核对象",
    conflict_of_interest: "利益冲突：该评估人员所在单位即为考核对象或与其结对帮扶，不能委托",
    not_an_evaluator: "该账号不是评估人员",
    aggregate: "运行数据汇总",
    aggregated: "已汇总 {0} 个考核对象",
    decision: "审定",
    decide_button: "审定",
    override_reason: "理由（改变建议等次时必填）",
    override_needs_reason: "改变建议等次必须填写理由",
    publish: "审定并通报结果（锁定）",
    publish_help: "通报后本年度结果锁定，未审定的考核对象采用建议等次。",
    wrong_step: "当前步骤不允许此操作",
    step_skipped: "不能跳过步骤",
    same_step: "已处于该步骤",
    cycle_locked: "已审定的考核年度不能退回",
    grade: "等次",
    bad_grade: "等次无效",
    bad_step: "步骤无效",
    sheet_link: "评分表",
    pages: "本年度工作",
    year_exists: "该年度已存在",
};
