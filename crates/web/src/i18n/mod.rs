//! Every text of the pages, in one place, so another language is one more value of [`Texts`].
//! The texts shared by every page are here; each section of the office's work keeps its own in
//! a file beside this one (a struct and its zh-CN value), so sections grow without touching each
//! other.

pub mod data;
pub mod fieldwork;
pub mod people;
pub mod questionnaires;
pub mod queues;
pub mod registry;
pub mod scoring;
pub mod year;

use fieldcheck_domain::evidence::PhotoFlag;

/// The interface texts of one language.
pub struct Texts {
    /// `lang` attribute of the pages.
    pub lang: &'static str,
    /// Product name.
    pub product: &'static str,
    /// Navigation: gallery.
    pub nav_gallery: &'static str,
    /// Navigation: map.
    pub nav_map: &'static str,
    /// Navigation: cycles and score sheets.
    pub nav_cycles: &'static str,
    /// Navigation: registry import.
    pub nav_import: &'static str,
    /// Navigation: samples, assignments and progress.
    pub nav_fieldwork: &'static str,
    /// Navigation: questionnaires.
    pub nav_questionnaires: &'static str,
    /// Navigation: review queues.
    pub nav_queues: &'static str,
    /// Navigation: users, units and persons.
    pub nav_people: &'static str,
    /// Navigation: audit log.
    pub nav_audit: &'static str,
    /// Navigation: raw data and charts.
    pub nav_data: &'static str,
    /// Sign out.
    pub sign_out: &'static str,
    /// Sign-in page title.
    pub sign_in: &'static str,
    /// User name.
    pub username: &'static str,
    /// Password.
    pub password: &'static str,
    /// Wrong user name or password.
    pub wrong_password: &'static str,
    /// Too many attempts.
    pub too_many_attempts: &'static str,
    /// Evidence gallery.
    pub gallery: &'static str,
    /// Filter.
    pub filter: &'static str,
    /// All.
    pub all: &'static str,
    /// District.
    pub district: &'static str,
    /// Village.
    pub village: &'static str,
    /// Household.
    pub household: &'static str,
    /// Assessee.
    pub assessee: &'static str,
    /// Measure type.
    pub measure_kind: &'static str,
    /// Flag.
    pub flag: &'static str,
    /// Review status.
    pub review_status: &'static str,
    /// Cycle.
    pub cycle: &'static str,
    /// Next page.
    pub next_page: &'static str,
    /// No photos.
    pub no_photos: &'static str,
    /// Photo.
    pub photo: &'static str,
    /// Taken at.
    pub taken_at: &'static str,
    /// Position (EXIF).
    pub exif_position: &'static str,
    /// Device position.
    pub device_position: &'static str,
    /// Distance to the household.
    pub distance: &'static str,
    /// Camera.
    pub camera: &'static str,
    /// Visit.
    pub visit: &'static str,
    /// Flags.
    pub flags: &'static str,
    /// None.
    pub none: &'static str,
    /// Duplicates.
    pub duplicates: &'static str,
    /// Accept.
    pub accept: &'static str,
    /// Reject.
    pub reject: &'static str,
    /// Reason.
    pub reason: &'static str,
    /// A reason is required to reject.
    pub reason_required: &'static str,
    /// Keyboard help.
    pub keys_help: &'static str,
    /// Back to the gallery.
    pub back: &'static str,
    /// Map.
    pub map: &'static str,
    /// Map legend.
    pub map_legend: &'static str,
    /// Without tiles.
    pub no_tiles: &'static str,
    /// Members.
    pub members: &'static str,
    /// Name.
    pub name: &'static str,
    /// Relation.
    pub relation: &'static str,
    /// ID number.
    pub id_number: &'static str,
    /// Plan.
    pub plan: &'static str,
    /// Measures.
    pub measures: &'static str,
    /// Budget.
    pub budget: &'static str,
    /// Status.
    pub status: &'static str,
    /// Visits.
    pub visits: &'static str,
    /// Responses.
    pub responses: &'static str,
    /// Satisfied.
    pub satisfied: &'static str,
    /// Photos.
    pub photos: &'static str,
    /// Cycles.
    pub cycles: &'static str,
    /// Year.
    pub year: &'static str,
    /// Step.
    pub step: &'static str,
    /// Progress.
    pub progress: &'static str,
    /// Households.
    pub households: &'static str,
    /// Assigned.
    pub assigned: &'static str,
    /// Visited.
    pub visited: &'static str,
    /// Sampled.
    pub sampled: &'static str,
    /// Surveyed.
    pub surveyed: &'static str,
    /// Satisfaction rate.
    pub satisfaction_rate: &'static str,
    /// Flagged photos.
    pub flagged: &'static str,
    /// Results.
    pub results: &'static str,
    /// Score.
    pub score: &'static str,
    /// Maximum.
    pub max: &'static str,
    /// Grade suggested.
    pub suggested: &'static str,
    /// Grade decided.
    pub decided: &'static str,
    /// Score sheet.
    pub score_sheet: &'static str,
    /// Item.
    pub item: &'static str,
    /// Method.
    pub method: &'static str,
    /// Comment.
    pub comment: &'static str,
    /// Evidence.
    pub evidence: &'static str,
    /// How computed.
    pub how: &'static str,
    /// Downloads.
    pub downloads: &'static str,
    /// Evidence package.
    pub evidence_package: &'static str,
    /// From date.
    pub from: &'static str,
    /// To date.
    pub to: &'static str,
    /// Not found page.
    pub not_found: &'static str,
    /// Forbidden page.
    pub forbidden: &'static str,
    /// Bad request page.
    pub bad_request: &'static str,
    /// Error page.
    pub error: &'static str,
    /// The database or object store is down for now.
    pub unavailable: &'static str,
    /// Conflict page.
    pub conflict: &'static str,
    /// Not aggregated yet.
    pub not_aggregated: &'static str,
    /// Registration number.
    pub registration_no: &'static str,
    /// Visit checklist.
    pub checklist: &'static str,
    /// Total row.
    pub total: &'static str,
    /// Yes.
    pub yes: &'static str,
    /// No.
    pub no: &'static str,
    /// Header line of an evidence package's manifest.
    pub manifest_header: &'static str,
}

/// Simplified Chinese, the interface language.
pub static ZH_CN: Texts = Texts {
    lang: "zh-CN",
    product: "扶贫考核核查",
    nav_gallery: "证据照片",
    nav_map: "地图",
    nav_cycles: "考核与评分",
    nav_import: "登记导入",
    nav_fieldwork: "抽样与分派",
    nav_questionnaires: "问卷",
    nav_queues: "复核队列",
    nav_people: "人员",
    nav_audit: "审计日志",
    nav_data: "数据与图表",
    sign_out: "退出",
    sign_in: "登录",
    username: "用户名",
    password: "密码",
    wrong_password: "用户名或密码错误",
    too_many_attempts: "尝试次数过多，请稍后再试",
    gallery: "证据照片库",
    filter: "筛选",
    all: "全部",
    district: "区",
    village: "村",
    household: "农户",
    assessee: "考核对象",
    measure_kind: "帮扶措施类型",
    flag: "标记",
    review_status: "审核状态",
    cycle: "考核年度",
    next_page: "下一页",
    no_photos: "没有符合条件的照片",
    photo: "照片",
    taken_at: "拍摄时间",
    exif_position: "照片位置（EXIF）",
    device_position: "设备定位",
    distance: "距农户登记位置",
    camera: "相机",
    visit: "走访",
    flags: "标记",
    none: "无",
    duplicates: "重复或相似照片",
    accept: "通过",
    reject: "退回",
    reason: "理由",
    reason_required: "退回时必须填写理由",
    keys_help: "快捷键：J 下一张，K 上一张，A 通过，R 填写退回理由",
    back: "返回照片库",
    map: "地图",
    map_legend: "灰点：农户登记位置；蓝点：照片位置；红点：有标记的照片",
    no_tiles: "未配置底图，仅显示点位",
    members: "家庭成员",
    name: "姓名",
    relation: "与户主关系",
    id_number: "身份证号",
    plan: "一户一策",
    measures: "帮扶措施",
    budget: "预算（元）",
    status: "状态",
    visits: "走访记录",
    responses: "满意度调查",
    satisfied: "满意",
    photos: "照片",
    cycles: "考核年度",
    year: "年度",
    step: "当前步骤",
    progress: "工作进度",
    households: "农户数",
    assigned: "已分配",
    visited: "已走访",
    sampled: "已抽样",
    surveyed: "已调查",
    satisfaction_rate: "满意率",
    flagged: "有标记照片",
    results: "考核结果",
    score: "得分",
    max: "满分",
    suggested: "建议等次",
    decided: "审定等次",
    score_sheet: "评分表",
    item: "考核内容",
    method: "考核方式",
    comment: "评分说明",
    evidence: "佐证",
    how: "计算方法",
    downloads: "下载",
    evidence_package: "证据包（ZIP）",
    from: "起始日期",
    to: "截止日期",
    not_found: "没有找到该记录",
    forbidden: "您的角色无权查看此页",
    bad_request: "请求有误",
    error: "系统错误，请稍后再试",
    unavailable: "服务暂时不可用（数据库或文件存储中断），请稍后刷新页面",
    conflict: "当前状态不允许此操作",
    not_aggregated: "尚未汇总",
    registration_no: "建档立卡编号",
    checklist: "两不愁三保障核查",
    total: "合计",
    yes: "是",
    no: "否",
    manifest_header: "文件,照片ID,农户编号,拍摄时间,纬度,经度,距农户登记位置(米),标记,审核状态,SHA-256",
};

/// The label of a photo flag.
pub fn flag_label(f: PhotoFlag) -> &'static str {
    match f {
        PhotoFlag::NoGps => "无GPS",
        PhotoFlag::FarFromHousehold => "远离农户",
        PhotoFlag::DeviceMismatch => "位置不一致",
        PhotoFlag::MockLocation => "模拟定位",
        PhotoFlag::PoorAccuracy => "定位精度差",
        PhotoFlag::OutsideWindow => "时间超出范围",
        PhotoFlag::NearDuplicate => "相似重复",
        PhotoFlag::ExactDuplicate => "完全重复",
    }
}

/// The label of a review status.
pub fn review_label(s: &str) -> &'static str {
    match s {
        "pending" => "待审核",
        "accepted" => "已通过",
        "rejected" => "已退回",
        _ => "未知",
    }
}

/// The label of a cycle step.
pub fn step_label(s: &str) -> &'static str {
    match s {
        "self_report" => "1 自查报告",
        "evaluation" => "2 指标评估",
        "aggregation" => "3 数据汇总",
        "review" => "4 综合评价审定",
        "publication" => "5 通报结果",
        _ => "未知",
    }
}

/// The label of a grade.
pub fn grade_label(s: &str) -> &'static str {
    match s {
        "pass" => "达标",
        "fail" => "不达标",
        _ => "",
    }
}

/// A time as the office reads it: at the configured offset (Beijing time by default), with the
/// offset named so a reader never mistakes it for UTC.
pub fn local_time(
    state: &fieldcheck_api::state::AppState,
    t: chrono::DateTime<chrono::Utc>,
    seconds: bool,
) -> String {
    let offset = state.config.web.utc_offset.0;
    let local = t.with_timezone(&offset);
    let zone = if offset.local_minus_utc() == 8 * 3600 {
        "北京时间".to_owned()
    } else {
        format!("UTC{offset}")
    };
    let shape = if seconds {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M"
    };
    format!("{} {zone}", local.format(shape))
}
