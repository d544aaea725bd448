//! Texts of the people and audit pages.

use fieldcheck_domain::Role;

/// The texts of the people and audit pages.
pub struct Texts {
    /// Page title: users.
    pub title: &'static str,
    /// Title: one user.
    pub user: &'static str,
    /// Sign-in name.
    pub username: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Role.
    pub role: &'static str,
    /// Scope and grants.
    pub scope: &'static str,
    /// Status.
    pub status: &'static str,
    /// Active.
    pub active: &'static str,
    /// Disabled.
    pub disabled: &'static str,
    /// Edit.
    pub edit: &'static str,
    /// Add a user.
    pub add: &'static str,
    /// Initial password.
    pub password: &'static str,
    /// New password.
    pub new_password: &'static str,
    /// Password rule.
    pub password_hint: &'static str,
    /// District code.
    pub district_code: &'static str,
    /// District hint.
    pub district_hint: &'static str,
    /// Villages given.
    pub villages: &'static str,
    /// Households given.
    pub households: &'static str,
    /// Households hint.
    pub households_hint: &'static str,
    /// Whole installation.
    pub scope_all: &'static str,
    /// Button: create.
    pub create: &'static str,
    /// Button: save.
    pub save: &'static str,
    /// Button: disable.
    pub disable: &'static str,
    /// Button: enable.
    pub enable: &'static str,
    /// Button: reset password.
    pub reset_password: &'static str,
    /// Details and grants.
    pub details: &'static str,
    /// Account.
    pub account: &'static str,
    /// The form has problems.
    pub form_problems: &'static str,
    /// Saved.
    pub saved: &'static str,
    /// Password changed.
    pub password_changed: &'static str,
    /// Someone else changed the user meanwhile.
    pub stale: &'static str,
    /// Username taken.
    pub duplicate: &'static str,
    /// Username rule.
    pub bad_username: &'static str,
    /// Display name rule.
    pub bad_display_name: &'static str,
    /// Password too short.
    pub password_short: &'static str,
    /// Password too long.
    pub password_long: &'static str,
    /// District required.
    pub district_required: &'static str,
    /// Assessee required.
    pub assessee_required: &'static str,
    /// Unknown registration number.
    pub unknown_household: &'static str,
    /// Unknown village.
    pub unknown_village: &'static str,
    /// Unknown role.
    pub bad_role: &'static str,
    /// Back to the list.
    pub back: &'static str,
    /// Count of villages.
    pub n_villages: &'static str,
    /// Count of households.
    pub n_households: &'static str,
    /// Title: units and persons.
    pub units_title: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Unit name.
    pub unit_name: &'static str,
    /// Unit kind.
    pub unit_kind: &'static str,
    /// Paired villages.
    pub paired_villages: &'static str,
    /// Responsible persons.
    pub persons: &'static str,
    /// Person name.
    pub person_name: &'static str,
    /// Work phone.
    pub phone: &'static str,
    /// Add a unit.
    pub add_unit: &'static str,
    /// Add a person.
    pub add_person: &'static str,
    /// Name rule.
    pub bad_name: &'static str,
    /// Phone rule.
    pub bad_phone: &'static str,
    /// District code rule.
    pub bad_district: &'static str,
    /// Unit missing.
    pub bad_unit: &'static str,
    /// Name taken.
    pub name_taken: &'static str,
    /// No units yet.
    pub no_units: &'static str,
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    title: "人员与权限",
    user: "用户",
    username: "用户名",
    display_name: "姓名",
    role: "角色",
    scope: "范围",
    status: "状态",
    active: "启用",
    disabled: "已停用",
    edit: "编辑",
    add: "添加用户",
    password: "初始密码",
    new_password: "新密码",
    password_hint: "至少 10 个字符，由管理员告知本人",
    district_code: "区县代码",
    district_hint: "区县审核员必填，6 位数字",
    villages: "负责的村",
    households: "负责的户",
    households_hint: "每行一个户编号",
    scope_all: "全部",
    create: "创建",
    save: "保存",
    disable: "停用账号",
    enable: "启用账号",
    reset_password: "重设密码",
    details: "资料与范围",
    account: "账号状态",
    form_problems: "表单有问题，请修改后重新提交。",
    saved: "已保存。",
    password_changed: "密码已重设，该用户的已登录会话均已退出。",
    stale: "该用户刚被其他人修改过，请刷新后重试",
    duplicate: "用户名已被使用",
    bad_username: "用户名必填，只能包含字母、数字、点、下划线和连字符，最多 64 个字符",
    bad_display_name: "姓名必填，最多 100 个字符",
    password_short: "密码至少 10 个字符",
    password_long: "密码最多 256 个字符",
    district_required: "区县审核员需要填写 6 位区县代码",
    assessee_required: "被考核对象账号需要指定被考核对象（请通过接口创建）",
    unknown_household: "以下户编号不存在",
    unknown_village: "所选的村不存在",
    bad_role: "请选择有效的角色",
    back: "返回人员列表",
    n_villages: "个村",
    n_households: "户",
    units_title: "帮扶单位与责任人",
    unit: "单位",
    unit_name: "单位名称",
    unit_kind: "单位类型",
    paired_villages: "结对村数",
    persons: "帮扶责任人",
    person_name: "责任人姓名",
    phone: "工作电话",
    add_unit: "添加单位",
    add_person: "添加帮扶责任人",
    bad_name: "名称必填，且不能过长",
    bad_phone: "电话号码格式不正确",
    bad_district: "区县代码应为 6 位数字，可不填",
    bad_unit: "请选择单位",
    name_taken: "已有同名单位",
    no_units: "还没有单位。",
};

/// A unit kind as the office says it.
pub fn unit_kind_label(k: fieldcheck_domain::UnitKind) -> &'static str {
    match k {
        fieldcheck_domain::UnitKind::LeadUnit => "牵头单位",
        fieldcheck_domain::UnitKind::PairedUnit => "结对帮扶单位",
    }
}

/// A role's name as the office says it.
pub fn role_label(r: Role) -> &'static str {
    match r {
        Role::Admin => "系统管理员",
        Role::OfficeReviewer => "扶贫办审核员",
        Role::DistrictReviewer => "区县审核员",
        Role::Inspector => "核查员",
        Role::Surveyor => "调查员",
        Role::Assessee => "被考核对象",
        Role::Evaluator => "第三方评估员",
    }
}
