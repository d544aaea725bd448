//! Texts of the registry import.

/// The texts of the registry import.
pub struct Texts {
    /// Page title.
    pub title: &'static str,
    /// What the page is for.
    pub intro: &'static str,
    /// The file field.
    pub file: &'static str,
    /// Button: preview.
    pub preview: &'static str,
    /// Button: import.
    pub import: &'static str,
    /// Title of the preview.
    pub preview_title: &'static str,
    /// The preview wrote nothing.
    pub preview_note: &'static str,
    /// The file is larger than the limit.
    pub too_large: &'static str,
    /// The form could not be read.
    pub malformed: &'static str,
    /// No file chosen.
    pub no_file: &'static str,
    /// Neither CSV nor XLSX.
    pub bad_type: &'static str,
    /// The file has problems.
    pub has_problems: &'static str,
    /// Number of problems.
    pub problem_count: &'static str,
    /// Table head: line.
    pub line: &'static str,
    /// Table head: column.
    pub column: &'static str,
    /// Table head: reason.
    pub reason: &'static str,
    /// Table head: what.
    pub what: &'static str,
    /// Table head: new.
    pub new: &'static str,
    /// Table head: changed.
    pub changed: &'static str,
    /// Table head: unchanged.
    pub unchanged: &'static str,
    /// Households.
    pub households: &'static str,
    /// Members.
    pub members: &'static str,
    /// Plans.
    pub plans: &'static str,
    /// Measures.
    pub measures: &'static str,
    /// Paired units.
    pub units: &'static str,
    /// Responsible persons.
    pub persons: &'static str,
    /// Heading of the list of households created or changed.
    pub list_title: &'static str,
    /// Registration number.
    pub registration_no: &'static str,
    /// Head of household.
    pub head: &'static str,
    /// Change.
    pub change: &'static str,
    /// Households not listed.
    pub more: &'static str,
    /// Nothing would change.
    pub all_unchanged: &'static str,
    /// The preview is gone.
    pub expired: &'static str,
    /// The data changed after the preview and the file now has problems.
    pub changed_since: &'static str,
    /// Import done.
    pub done: &'static str,
    /// Upload another file.
    pub again: &'static str,
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    title: "导入建档立卡户",
    intro: "上传 CSV（UTF-8）或 Excel（.xlsx）文件，每行一名家庭成员，最大 20 MB。先预览将新增和变更的内容，确认无误后再导入。",
    file: "文件",
    preview: "预览",
    import: "导入",
    preview_title: "导入预览",
    preview_note: "以下是导入后将发生的变化，目前尚未写入任何数据。",
    too_large: "文件超过 20 MB，请拆分后分批上传",
    malformed: "无法读取上传的表单，请重新选择文件后再试",
    no_file: "请选择要上传的文件",
    bad_type: "只支持 .csv 或 .xlsx 文件",
    has_problems: "文件有问题，未导入任何数据。请按下表修改后重新上传。",
    problem_count: "问题数",
    line: "行",
    column: "列",
    reason: "原因",
    what: "类别",
    new: "新增",
    changed: "变更",
    unchanged: "不变",
    households: "户",
    members: "家庭成员",
    plans: "帮扶计划",
    measures: "帮扶措施",
    units: "帮扶单位",
    persons: "帮扶责任人",
    list_title: "将新增或变更的户",
    registration_no: "户编号",
    head: "户主",
    change: "变化",
    more: "其余未列出的户数",
    all_unchanged: "文件中的户与系统中一致，导入不会改变任何数据。",
    expired: "预览已过期或不存在，请重新上传文件",
    changed_since: "预览之后系统中的数据已变化，文件现在有问题，未导入任何数据。",
    done: "导入完成",
    again: "导入另一个文件",
};
