//! Texts of the review queues.

/// The texts of the review queues.
pub struct Texts {
    /// Title of the queues page.
    pub title: &'static str,
    /// Queue: visits and responses waiting for review.
    pub fieldwork: &'static str,
    /// Queue: sync conflicts.
    pub conflicts: &'static str,
    /// Queue: flagged photos pending review.
    pub flagged: &'static str,
    /// Column: waiting.
    pub waiting: &'static str,
    /// Kind: visit.
    pub visit: &'static str,
    /// Kind: response.
    pub response: &'static str,
    /// Filter: kind.
    pub kind: &'static str,
    /// Filter: any kind.
    pub any: &'static str,
    /// Filter: district code.
    pub district: &'static str,
    /// Filter: village id.
    pub village: &'static str,
    /// Button: filter.
    pub filter: &'static str,
    /// Column: household.
    pub household: &'static str,
    /// Column: received.
    pub received: &'static str,
    /// Heading of the send-back form.
    pub send_back: &'static str,
    /// Hint of the per-item comments.
    pub send_back_hint: &'static str,
    /// Label prefix of a comment input.
    pub comment_on: &'static str,
    /// Button: send back.
    pub send_back_button: &'static str,
    /// Nothing is waiting.
    pub empty: &'static str,
    /// At least one comment is needed.
    pub comment_required: &'static str,
    /// Sent back.
    pub sent_back: &'static str,
    /// Column: record.
    pub record: &'static str,
    /// Column: field.
    pub field: &'static str,
    /// Column: device's value.
    pub device_value: &'static str,
    /// Column: office's value.
    pub server_value: &'static str,
    /// Button: keep the office's value.
    pub keep_server: &'static str,
    /// Button: apply the device's value.
    pub take_device: &'static str,
    /// Resolved.
    pub resolved: &'static str,
    /// Already resolved.
    pub already_resolved: &'static str,
    /// Link: review in the gallery.
    pub review_in_gallery: &'static str,
    /// Every flagged photo pending review.
    pub all_flags: &'static str,
    /// Keyboard help.
    pub keys_help: &'static str,
    /// Not accepted from here: accepting visits and responses is not a workflow step yet.
    pub no_accept: &'static str,
    /// Cycle locked.
    pub locked: &'static str,
    /// Link back to the queues.
    pub back: &'static str,
}

/// zh-CN.
pub static ZH_CN: Texts = Texts {
    title: "复核队列",
    fieldwork: "待复核的走访和问卷",
    conflicts: "同步冲突",
    flagged: "待复核的异常照片",
    waiting: "待处理",
    visit: "走访",
    response: "问卷",
    kind: "类型",
    any: "全部",
    district: "区县代码",
    village: "村（编号）",
    filter: "筛选",
    household: "农户",
    received: "更新时间",
    send_back: "退回修改",
    send_back_hint: "在需要修改的项后填写意见，至少一项",
    comment_on: "意见：",
    send_back_button: "退回",
    empty: "没有待处理的记录",
    comment_required: "请至少填写一项修改意见",
    sent_back: "已退回修改",
    record: "记录",
    field: "字段",
    device_value: "设备上的值",
    server_value: "办公室的值",
    keep_server: "保留办公室的值",
    take_device: "采用设备的值",
    resolved: "冲突已处理",
    already_resolved: "该冲突已处理",
    review_in_gallery: "到照片库复核",
    all_flags: "全部异常",
    keys_help: "快捷键：J 下一条，K 上一条，C 填写意见",
    no_accept: "走访和问卷无需单独“通过”：未退回的即视为有效",
    locked: "考核已审定锁定，不能退回",
    back: "返回复核队列",
};
