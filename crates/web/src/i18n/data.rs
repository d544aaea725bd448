//! Texts of the raw data, the charts and the audit log.

/// The texts of the raw data, the charts and the audit log.
pub struct Texts {
    /// Page title: raw data.
    pub title: &'static str,
    /// Intro of the raw data page.
    pub intro: &'static str,
    /// Heading: survey responses.
    pub responses: &'static str,
    /// Heading: visits.
    pub visits: &'static str,
    /// Heading: photos' metadata.
    pub photos: &'static str,
    /// Heading and link: charts.
    pub charts: &'static str,
    /// Label: questionnaire version.
    pub questionnaire: &'static str,
    /// Label: file format.
    pub format: &'static str,
    /// Label: names in clear.
    pub names_clear: &'static str,
    /// Hint: how multiple choice questions are laid out, and the codebook.
    pub layout_hint: &'static str,
    /// Button: download.
    pub download: &'static str,
    /// Link: codebook CSV.
    pub codebook_csv: &'static str,
    /// Label: any cycle (no window).
    pub any_cycle: &'static str,
    /// Sheet name: data.
    pub sheet_data: &'static str,
    /// Sheet name: codebook.
    pub sheet_codebook: &'static str,
    /// Column: response id.
    pub col_response: &'static str,
    /// Column: visit id.
    pub col_visit: &'static str,
    /// Column: photo id.
    pub col_photo: &'static str,
    /// Column: registration number.
    pub col_registration_no: &'static str,
    /// Column: district code.
    pub col_district: &'static str,
    /// Column: village.
    pub col_village: &'static str,
    /// Column: head of household.
    pub col_head: &'static str,
    /// Column: assessees.
    pub col_assessees: &'static str,
    /// Column: surveyor.
    pub col_surveyor: &'static str,
    /// Column: inspector.
    pub col_inspector: &'static str,
    /// Column: received at.
    pub col_received: &'static str,
    /// Column: started at.
    pub col_started: &'static str,
    /// Column: taken at.
    pub col_taken: &'static str,
    /// Column: status.
    pub col_status: &'static str,
    /// Column: satisfied.
    pub col_satisfied: &'static str,
    /// Column: latitude.
    pub col_lat: &'static str,
    /// Column: longitude.
    pub col_lon: &'static str,
    /// Column: accuracy.
    pub col_accuracy: &'static str,
    /// Column: mock location.
    pub col_mock: &'static str,
    /// Column: notes.
    pub col_notes: &'static str,
    /// Column: distance to the household.
    pub col_distance: &'static str,
    /// Column: flags.
    pub col_flags: &'static str,
    /// Column: review status.
    pub col_review: &'static str,
    /// Column: review reason.
    pub col_reason: &'static str,
    /// Column: SHA-256.
    pub col_sha256: &'static str,
    /// Codebook column: question code.
    pub cb_code: &'static str,
    /// Codebook column: question text.
    pub cb_text: &'static str,
    /// Codebook column: kind.
    pub cb_kind: &'static str,
    /// Codebook column: data column.
    pub cb_column: &'static str,
    /// Codebook column: option code.
    pub cb_value: &'static str,
    /// Codebook column: option label.
    pub cb_label: &'static str,
    /// Question kinds: single, multiple, scale, number, text.
    pub kinds: [&'static str; 5],
    /// Yes.
    pub yes: &'static str,
    /// No.
    pub no: &'static str,
    /// Checklist items, in `CHECKLIST_ITEMS` order.
    pub checklist: [&'static str; 6],
    /// Checklist answers: yes, no, not applicable.
    pub checklist_answers: [&'static str; 3],
    /// Charts: progress per district.
    pub chart_progress: &'static str,
    /// Charts: satisfaction per district.
    pub chart_satisfaction_district: &'static str,
    /// Charts: satisfaction per assessee.
    pub chart_satisfaction_assessee: &'static str,
    /// Charts: flags per village.
    pub chart_flags: &'static str,
    /// Charts: score distribution per assessee kind.
    pub chart_scores: &'static str,
    /// Series: visits, responses, photos.
    pub series_activity: [&'static str; 3],
    /// Series: satisfied, not satisfied, not rated.
    pub series_satisfaction: [&'static str; 3],
    /// Series: photos with flags.
    pub series_flags: &'static str,
    /// Series of score bands.
    pub series_scores: [&'static str; 5],
    /// Nothing to draw.
    pub no_data: &'static str,
    /// Choose a cycle first.
    pub choose_cycle: &'static str,
    /// Button: show.
    pub show: &'static str,
    /// Audit: actor (user name).
    pub actor: &'static str,
    /// Audit: action.
    pub action: &'static str,
    /// Audit: record kind.
    pub target_type: &'static str,
    /// Audit: record id.
    pub target_id: &'static str,
    /// Audit: from date.
    pub from: &'static str,
    /// Audit: to date.
    pub to: &'static str,
    /// Audit: time.
    pub at: &'static str,
    /// Audit: details.
    pub details: &'static str,
    /// Audit: sequence number.
    pub seq: &'static str,
    /// Audit: the system (no user).
    pub system: &'static str,
    /// Audit: no entries.
    pub no_entries: &'static str,
    /// Audit: older entries.
    pub older: &'static str,
    /// Audit: verify the chain.
    pub verify: &'static str,
    /// Audit: the chain is intact, with this many entries.
    pub chain_ok: &'static str,
    /// Audit: the chain is broken.
    pub chain_broken: &'static str,
    /// Audit: entries checked.
    pub entries_checked: &'static str,
    /// Audit: first bad entry.
    pub first_bad: &'static str,
    /// No such user.
    pub unknown_user: &'static str,
    /// Not a date.
    pub bad_date: &'static str,
    /// Not a valid id.
    pub bad_id: &'static str,
    /// Back to the log.
    pub back_to_log: &'static str,
    /// The numbers behind a chart.
    pub numbers: &'static str,
    /// Assessee kinds, in `AssesseeKind::ALL` order.
    pub assessee_kinds: [&'static str; 4],
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    title: "原始数据",
    intro: "按您的权限范围导出原始数据，供统计分析使用；每次下载都记入审计日志。姓名默认脱敏。",
    responses: "满意度调查问卷",
    visits: "入户核查记录",
    photos: "照片元数据与标记",
    charts: "统计图表",
    questionnaire: "问卷版本",
    format: "格式",
    names_clear: "显示户主完整姓名（记入审计）",
    layout_hint: "每份问卷一行、每道题一列，列名为题目原文、取值为选项文字；多选题按选项拆成 0/1 列（便于 SPSS、Stata 使用），未作答为空。CSV 为带 BOM 的 UTF-8，编码表另存为一个 CSV 文件。",
    download: "下载",
    codebook_csv: "编码表（CSV）",
    any_cycle: "不限",
    sheet_data: "数据",
    sheet_codebook: "编码表",
    col_response: "问卷ID",
    col_visit: "走访ID",
    col_photo: "照片ID",
    col_registration_no: "户编号",
    col_district: "区县代码",
    col_village: "村",
    col_head: "户主",
    col_assessees: "被考核对象",
    col_surveyor: "调查员",
    col_inspector: "核查员",
    col_received: "接收时间(UTC)",
    col_started: "开始时间(UTC)",
    col_taken: "拍摄时间(UTC)",
    col_status: "状态",
    col_satisfied: "是否满意",
    col_lat: "纬度",
    col_lon: "经度",
    col_accuracy: "定位精度(米)",
    col_mock: "模拟定位",
    col_notes: "备注",
    col_distance: "距农户(米)",
    col_flags: "标记",
    col_review: "审核状态",
    col_reason: "审核意见",
    col_sha256: "SHA-256",
    cb_code: "题目代码",
    cb_text: "题目",
    cb_kind: "题型",
    cb_column: "数据列",
    cb_value: "选项代码",
    cb_label: "选项文字",
    kinds: ["单选", "多选", "量表", "数值", "文本"],
    yes: "是",
    no: "否",
    checklist: [
        "不愁吃",
        "不愁穿",
        "义务教育",
        "基本医疗",
        "住房安全",
        "饮水安全",
    ],
    checklist_answers: ["有保障", "未保障", "不适用"],
    chart_progress: "考核期内各区县每日进度",
    chart_satisfaction_district: "各区县满意度分布",
    chart_satisfaction_assessee: "各被考核对象满意度分布",
    chart_flags: "各村照片标记数",
    chart_scores: "各类被考核对象得分分布",
    series_activity: ["走访", "问卷", "照片"],
    series_satisfaction: ["满意", "不满意", "未评价"],
    series_flags: "带标记的照片",
    series_scores: ["60分以下", "60–70分", "70–80分", "80–90分", "90分以上"],
    no_data: "暂无数据",
    choose_cycle: "请选择考核周期",
    show: "显示",
    actor: "操作人（用户名）",
    action: "操作",
    target_type: "对象类型",
    target_id: "对象ID",
    from: "起始日期",
    to: "截止日期",
    at: "时间",
    details: "详情",
    seq: "序号",
    system: "系统",
    no_entries: "没有符合条件的记录",
    older: "更早的记录",
    verify: "校验哈希链",
    chain_ok: "哈希链完整",
    chain_broken: "哈希链已被破坏",
    entries_checked: "已校验条目",
    first_bad: "首个异常条目",
    unknown_user: "没有这个用户",
    bad_date: "日期格式应为 YYYY-MM-DD",
    bad_id: "不是有效的ID",
    back_to_log: "返回审计日志",
    numbers: "查看数据表",
    assessee_kinds: ["区党委和政府", "牵头单位", "结对帮扶单位", "帮扶责任人"],
};
