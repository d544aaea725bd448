//! Texts of the questionnaire pages.

/// The texts of the questionnaire pages.
pub struct Texts {
    /// Title of the list.
    pub title: &'static str,
    /// What the list's mark means.
    pub rule: &'static str,
    /// Column: code.
    pub code: &'static str,
    /// Column: version.
    pub version: &'static str,
    /// Column: title.
    pub name: &'static str,
    /// Column: number of questions.
    pub questions: &'static str,
    /// Column: status.
    pub status: &'static str,
    /// Column: actions.
    pub actions: &'static str,
    /// Status of the version phones ask.
    pub on_phones: &'static str,
    /// Status of any other version.
    pub stored: &'static str,
    /// Link: view a version.
    pub view: &'static str,
    /// Link: a new version from this one.
    pub copy: &'static str,
    /// Button: publish.
    pub publish: &'static str,
    /// Link: a new version from the one phones ask.
    pub new_from_last: &'static str,
    /// Link: import an XLSForm.
    pub import: &'static str,
    /// Notice after saving.
    pub saved: &'static str,
    /// Notice after publishing.
    pub published: &'static str,
    /// Title of the editor.
    pub editor: &'static str,
    /// What saving does.
    pub editor_help: &'static str,
    /// Question heading (followed by its number).
    pub question: &'static str,
    /// Field: question id.
    pub q_id: &'static str,
    /// Field: question text.
    pub q_text: &'static str,
    /// Field: kind.
    pub q_kind: &'static str,
    /// Field: required.
    pub q_required: &'static str,
    /// Field: satisfaction question.
    pub q_satisfaction: &'static str,
    /// Field: options.
    pub q_options: &'static str,
    /// How options are written.
    pub q_options_help: &'static str,
    /// Field: minimum.
    pub q_min: &'static str,
    /// Field: maximum.
    pub q_max: &'static str,
    /// Field: satisfied from (scale).
    pub q_satisfied_from: &'static str,
    /// Field: whole numbers only.
    pub q_integer: &'static str,
    /// Field: most characters.
    pub q_max_chars: &'static str,
    /// Field: fewest options selected.
    pub q_min_selected: &'static str,
    /// Field: most options selected.
    pub q_max_selected: &'static str,
    /// Field: condition's question.
    pub q_show_if: &'static str,
    /// Field: condition's value.
    pub q_equals: &'static str,
    /// No condition.
    pub always: &'static str,
    /// Settings of number, scale and text kinds.
    pub q_limits: &'static str,
    /// Button: remove the question.
    pub remove: &'static str,
    /// Button: move the question up.
    pub move_up: &'static str,
    /// Button: add a question.
    pub add: &'static str,
    /// Button: check and preview.
    pub check: &'static str,
    /// Button: save.
    pub save: &'static str,
    /// Heading of the errors.
    pub errors: &'static str,
    /// The draft is fine.
    pub no_errors: &'static str,
    /// Heading of the preview.
    pub preview: &'static str,
    /// Under the preview's heading.
    pub preview_help: &'static str,
    /// Required mark in the preview (as the app).
    pub required_mark: &'static str,
    /// Optional mark in the preview (as the app).
    pub optional_mark: &'static str,
    /// Hint of a multiple choice (as the app).
    pub pick_many: &'static str,
    /// Condition note in the preview.
    pub shown_when: &'static str,
    /// Title of the import page.
    pub import_title: &'static str,
    /// What the import takes.
    pub import_help: &'static str,
    /// Field: the file.
    pub file: &'static str,
    /// Button: import.
    pub import_button: &'static str,
    /// The import failed.
    pub import_failed: &'static str,
    /// No file was sent.
    pub no_file: &'static str,
    /// The file is over the limit.
    pub too_large: &'static str,
    /// The imported draft.
    pub imported: &'static str,
    /// A field is not a number.
    pub not_a_number: &'static str,
    /// An option line lacks its label.
    pub bad_option: &'static str,
    /// Kinds: single choice, multiple choice, scale, number, text.
    pub kinds: [(&'static str, &'static str); 5],
    /// Problem codes of the domain's validation, in Chinese.
    pub codes: &'static [(&'static str, &'static str)],
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    title: "问卷",
    rule: "手机同步时会收到所有版本，并使用编码为 satisfaction 的最新版本（没有时使用最新的任一版本）。标为“手机使用中”的就是这一版。",
    code: "编码",
    version: "版本",
    name: "标题",
    questions: "题数",
    status: "状态",
    actions: "操作",
    on_phones: "手机使用中",
    stored: "已保存",
    view: "查看",
    copy: "以此为基础新建",
    publish: "发布到手机",
    new_from_last: "从手机使用的版本新建",
    import: "导入 XLSForm",
    saved: "已保存新版本",
    published: "已发布，手机下次同步后使用此版本",
    editor: "编辑问卷新版本",
    editor_help: "保存时生成该编码的下一个版本。编码为 satisfaction 时，保存后手机即使用此版本；其他编码的版本可在列表中“发布到手机”。",
    question: "第",
    q_id: "问题编号",
    q_text: "题目",
    q_kind: "题型",
    q_required: "必答",
    q_satisfaction: "决定是否满意的问题",
    q_options: "选项",
    q_options_help: "每行一项：编码 | 标签 | 是否算满意（是/否，只对满意度问题填写）",
    q_min: "最小值",
    q_max: "最大值",
    q_satisfied_from: "从此分值起算满意",
    q_integer: "只能填整数",
    q_max_chars: "最多字数",
    q_min_selected: "至少选几项",
    q_max_selected: "最多选几项",
    q_show_if: "仅当此问题",
    q_equals: "的回答为",
    always: "（总是显示）",
    q_limits: "数值与字数",
    remove: "删除此题",
    move_up: "上移",
    add: "添加问题",
    check: "检查并预览",
    save: "保存为新版本",
    errors: "请修改以下问题",
    no_errors: "检查通过，可以保存。",
    preview: "手机预览",
    preview_help: "与调查员手机上的显示相同；可以试着作答，看跳题是否正确。",
    required_mark: "（必答）",
    optional_mark: "（选答）",
    pick_many: "可多选",
    shown_when: "显示条件：",
    import_title: "导入 XLSForm 问卷",
    import_help: "上传 ODK / KoboToolbox 格式的 .xlsx 文件：survey 与 choices 工作表（列 type、name、label 或 label::Chinese、required、relevant），可选 settings 工作表（form_id、form_title）。满意度设置可写在 satisfaction、satisfied_from（survey）与 satisfied（choices）列。导入结果先在编辑器中检查，再保存。",
    file: "XLSForm 文件（.xlsx）",
    import_button: "导入",
    import_failed: "无法导入，请修改文件后重试：",
    no_file: "请选择一个 .xlsx 文件",
    too_large: "文件超过 4 MB，问卷文件不应这么大",
    imported: "已导入，请检查后保存",
    not_a_number: "不是数字",
    bad_option: "选项需写成“编码 | 标签”",
    kinds: [
        ("single_choice", "单选"),
        ("multiple_choice", "多选"),
        ("scale", "评分"),
        ("number", "数字"),
        ("text", "文字"),
    ],
    codes: &[
        ("required", "必填"),
        ("duplicate-id", "问题编号重复"),
        ("invalid-id", "问题编号只能包含字母、数字、_、. 和 -"),
        ("too-long", "太长"),
        ("forward-reference", "显示条件只能引用前面的问题"),
        ("unknown-question", "显示条件引用的问题不存在"),
        (
            "invalid-condition",
            "显示条件只能引用单选、多选、评分或数字问题",
        ),
        ("invalid-value", "显示条件的值不是该问题的可选答案"),
        ("duplicate-satisfaction", "只能有一个决定是否满意的问题"),
        ("no-satisfaction-question", "需要恰好一个决定是否满意的问题"),
        (
            "invalid-satisfaction-question",
            "决定是否满意的问题须为单选或评分",
        ),
        ("duplicate-value", "选项编码重复"),
        ("invalid-range", "范围不正确"),
        ("out-of-range", "超出范围"),
        ("too-many", "太多"),
        ("not-a-number", "不是数字"),
    ],
};
