// Every text of the app, in one place (Simplified Chinese). Another language is one more object
// of the same shape.
export const T = {
  product: "精准扶贫实地核查",
  online: "在线",
  offline: "离线",
  sync: "同步",
  syncing: "同步中…",
  skip: "跳到正文",
  loading: "正在打开…",

  // Sign-in
  signInTitle: "登录",
  signInHint: "首次使用请在有网络时登录，之后可离线工作。",
  username: "用户名",
  password: "密码",
  signIn: "登录",
  signingIn: "正在登录…",
  wrongPassword: "用户名或密码错误",
  tooManyAttempts: "尝试次数过多，请稍后再试",
  needOnline: "登录需要网络连接",
  otherUserOutbox: (n) => `本机还有另一位用户的 ${n} 条未上传记录，请先由该用户登录并同步。`,
  signInAgain: "登录已过期，请联网后重新登录。未上传的记录仍保存在手机上。",
  firstPull: "正在下载工作数据…",

  // Tabs
  tabWork: "今日任务",
  tabSync: "同步",
  tabMe: "我的",

  // Today's work
  workTitle: "今日任务",
  search: "搜索户主姓名或户编号",
  searchLabel: "搜索",
  assignments: "任务",
  noAssignments: "暂无下达的任务。",
  due: "截止",
  villages: "村庄进度",
  households: "户",
  visitedOf: (done, all) => `已走访 ${done}/${all} 户`,
  visitedChip: "已走访",
  surveyedChip: "已调查",
  allHouseholds: "范围内的全部农户",
  noHouseholds: "手机上还没有农户数据，请联网同步。",
  results: (n) => `找到 ${n} 户`,
  moreResults: (n) => `还有 ${n} 户，请输入更多文字缩小范围`,
  methods: {
    on_site_verification: "实地核查",
    sample_survey: "抽样调查",
    spot_check: "抽查",
  },
  targetVillage: "全村",
  lastSync: (t) => `上次同步：${t}`,
  neverSynced: "尚未同步",

  // Household
  household: "农户",
  registrationNo: "户编号",
  headName: "户主",
  phone: "电话",
  address: "地址",
  status: "状态",
  exitYear: "脱贫年份",
  householdStatus: { in_poverty: "未脱贫", exited: "已脱贫", at_risk: "监测户" },
  members: "家庭成员",
  name: "姓名",
  relation: "关系",
  idNumber: "身份证号",
  plan: "一户一策",
  planYear: (y) => `${y} 年帮扶计划`,
  planStatus: { draft: "草稿", active: "执行中", closed: "已结束" },
  measureKind: {
    housing: "危房改造",
    industry: "产业",
    education: "教育",
    health: "健康",
    employment: "就业",
    social_security: "社会保障",
    other: "其他",
  },
  measureStatus: { planned: "计划中", in_progress: "实施中", done: "已完成", cancelled: "已取消" },
  budget: "预算",
  yuan: (fen) => `${YUAN.format(fen / 100)} 元`,
  noPlan: "没有帮扶计划。",
  visits: "走访记录",
  noVisits: "还没有走访记录。",
  photos: "照片",
  noPhotos: "还没有照片。",
  returned: "退回修改",
  returnedComments: "审核意见",
  newVisit: "记录走访",
  notFound: "手机上没有这条记录。",
  back: "返回",

  // Visit
  visitTitle: "实地核查",
  checklistLegend: "两不愁三保障",
  checklist: {
    food: "不愁吃",
    clothing: "不愁穿",
    education: "义务教育有保障",
    medical: "基本医疗有保障",
    housing: "住房安全有保障",
    water: "饮水安全有保障",
  },
  answers: { yes: "是", no: "否", na: "不适用" },
  notes: "情况说明",
  notesHint: "可分行书写。",
  takePhoto: "拍照",
  photoFor: "照片用途（帮扶措施）",
  photoForVisit: "本次走访",
  location: "位置",
  locating: "正在获取位置…",
  located: (acc) => `已获取位置（精度约 ${Math.round(acc)} 米）`,
  locationDenied: "未获取位置：定位权限被拒绝（照片不记录位置）",
  locationUnavailable: "未获取位置：暂时无法定位（照片不记录位置）",
  hashing: "正在计算校验值…",
  save: "保存到手机",
  saving: "正在保存…",
  saved: "已保存到手机，联网后自动上传。",
  cancel: "取消",
  removePhoto: "删除",
  checklistIncomplete: "请完成清单的每一项",
  tooLong: (n) => `情况说明不能超过 ${n} 字`,

  // Record states
  state: {
    saved: "已存手机",
    sent: "已发送",
    accepted: "已接收",
    rejected: "被退回",
    conflict: "有冲突",
    uploading: "上传中",
    stored: "已存服务器",
    failed: "上传失败",
  },
  visitStatus: { submitted: "已提交", returned: "退回修改", accepted: "审核通过" },
  photoStatus: { waiting_upload: "等待上传", stored: "已存服务器" },

  // Satisfaction survey
  survey: "满意度调查",
  surveyStart: "开始满意度调查",
  surveyCorrect: "修改问卷后重新提交",
  surveyDone: "已完成满意度调查",
  surveyNoCycle: "手机上没有考核周期（需要先下达任务并同步），暂不能调查。",
  surveyNoQuestionnaire: "手机上还没有问卷，请联网同步。",
  surveyVersion: (code, v) => `问卷 ${code} 第 ${v} 版`,
  surveyErrors: (n) => `有 ${n} 道题需要修改，请查看标红的题目。`,
  surveySave: "保存问卷到手机",
  surveyOptional: "（选答）",
  surveyRequired: "（必答）",
  surveyPickMany: "可多选",
  surveyScaleHint: (min, max) => `${min} 分最低，${max} 分最高`,
  satisfiedYes: "满意",
  satisfiedNo: "不满意",
  responseStatus: { submitted: "已提交", returned: "退回修改", accepted: "审核通过" },

  // Edits
  edit: "修改",
  editHousehold: "修改联系方式和位置",
  editSave: "保存修改",
  useHere: "使用手机当前位置",
  clearLocation: "清除位置",
  noLocation: "未记录位置",
  locationValue: (lat, lon) => `纬度 ${lat.toFixed(6)}，经度 ${lon.toFixed(6)}`,
  invalidPhone: "请填写 11 位手机号，或带区号的固定电话",
  addressTooLong: "地址不能超过 200 字",
  addressOneLine: "地址只能写一行",
  noChange: "没有修改。",
  measureStatusLabel: (kind) => `${kind}的实施状态`,
  fieldNames: { phone: "电话", address: "地址", location: "位置", status: "状态", checklist: "清单", notes: "情况说明", id: "编号" },
  conflictKept: (fields) => `有冲突：${fields} 以办公室的值为准（由扶贫办处理）`,
  conflictMine: (field, value) => `本机填写的${field}“${value}”未采用`,
  pendingEdit: "修改已存手机，联网后上传",

  // Correcting a visit sent back
  correctVisit: "修改后重新提交",
  correctTitle: "修改走访记录",
  correctSaved: "修改已保存到手机，联网后上传。",

  // Sync
  syncTitle: "同步",
  syncNow: "立即同步",
  syncOffline: "当前离线，联网后会自动同步。",
  pushing: (n) => `正在上传记录（${n} 条）…`,
  uploadingPhotos: (i, n) => `正在上传照片 ${i}/${n}…`,
  pulling: (n) => `正在下载更新（已收到 ${n} 条）…`,
  syncDone: "同步完成",
  syncFailed: (why) => `同步未完成：${why}`,
  networkError: "网络中断",
  outbox: "待上传",
  outboxEmpty: "没有待上传的记录。",
  outboxCount: (n) => `待上传 ${n} 条`,
  photoQueue: "照片上传队列",
  photoQueueEmpty: "没有待上传的照片。",
  photoProgress: (sent, size) => `${fmtBytes(sent)} / ${fmtBytes(size)}`,
  queueProgress: (sent, size) => `共 ${fmtBytes(sent)} / ${fmtBytes(size)}`,
  resend: "修改后重发",
  discard: "放弃这条",
  discardConfirm: "放弃后这条记录不会上传，确定吗？",
  problem: "服务器说明",
  entities: { visit: "走访", photo: "照片", household: "农户", measure: "帮扶措施", response: "问卷" },
  ops: { create: "新建", update: "修改" },

  // Me
  meTitle: "我的",
  signedInAs: (name, role) => `${name}（${role}）`,
  roles: {
    inspector: "核查员",
    surveyor: "调查员",
    admin: "管理员",
    office_reviewer: "扶贫办审核",
    district_reviewer: "区审核",
    assessee: "考核对象",
  },
  device: "设备编号",
  storage: "手机存储",
  storageUse: (used, quota) => `已用 ${fmtBytes(used)}，可用约 ${fmtBytes(quota)}`,
  storagePersisted: "已申请持久保存：浏览器不会自动清除本应用的数据。",
  storageNotPersisted: "浏览器未同意持久保存：存储紧张时数据可能被清除，请及时同步。",
  storageUnknown: "无法读取存储用量。",
  signOut: "退出登录",
  signOutUnsent: (n) => `还有 ${n} 条记录或照片没有上传。退出后它们仍保存在本机，需同一用户重新登录才能上传。确定退出吗？`,
  signOutConfirm: "确定退出登录吗？手机上的工作数据将被清除。",
  appVersion: "应用版本",
  updateReady: "新版本已就绪",
  reload: "重新打开",
};

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

// One formatter and one collator each, made once: making one per call (which toLocaleString and
// localeCompare with a locale do) costs milliseconds on a slow phone, and a screen makes dozens.
const TIME = new Intl.DateTimeFormat("zh-CN", {
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const YUAN = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2 });
const COLLATOR = new Intl.Collator("zh-CN");

/** A date and time as people in China write it, in the phone's time zone. */
export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return TIME.format(d);
}

/** Orders names as people in China sort them. */
export const byChinese = (a, b) => COLLATOR.compare(a || "", b || "");
/** Orders ISO dates and times, codes and other ASCII keys. */
export const byCode = (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);

/** A problem+json answer as one line. */
export function fmtProblem(p) {
  if (!p) return "";
  const parts = [];
  if (p.title) parts.push(p.title);
  if (p.detail && p.detail !== p.title) parts.push(p.detail);
  for (const e of p.errors || []) {
    // A questionnaire answer's problem is shown in Chinese, by its code.
    const q = /^(?:fields\.)?answers\.(.+)$/.exec(e.field || "");
    parts.push(q ? `${q[1]}：${answerError(e.code)}` : `${e.field}: ${e.message}`);
  }
  if (!parts.length && p.code) parts.push(p.code);
  return parts.join("；");
}

/**
 * A questionnaire answer's problem in Chinese, by the server's error code (the server's own
 * messages are English); `params` carries the bounds the message names.
 */
export function answerError(code, params = {}) {
  switch (code) {
    case "required":
      return "请回答这道题";
    case "not-applicable":
      return "根据前面的回答，这道题不用回答";
    case "unknown-question":
      return "问卷里没有这道题";
    case "wrong-type":
      return (
        {
          choice: "请选择一个选项",
          choices: "请从选项中选择",
          integer: "请填写整数",
          number: "请填写数字",
          text: "请填写文字",
        }[params.expected] || "答案的格式不对"
      );
    case "invalid-choice":
      return "所选的不是这道题的选项";
    case "duplicate":
      return "同一个选项选了不止一次";
    case "too-few":
      return `至少选择 ${params.min} 项`;
    case "too-many":
      return `最多选择 ${params.max} 项`;
    case "too-long":
      return `不能超过 ${params.max} 个字`;
    case "out-of-range":
      if (params.min !== undefined && params.max !== undefined) return `请填写 ${params.min} 到 ${params.max} 之间的数`;
      if (params.min !== undefined) return `不能小于 ${params.min}`;
      if (params.max !== undefined) return `不能大于 ${params.max}`;
      return "超出范围";
    default:
      return code;
  }
}
