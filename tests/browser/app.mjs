// The field app in a real browser (Debian's Chromium through playwright-core) emulating a
// 360x640 touch phone, against the real server that tests/api/app.rs started with demo data and
// two assignments for inspector1.
// Environment: BASE_URL, SHOTS (folder for screenshots), HOUSEHOLD (the assigned household's id),
// HEAD_NAME (its head's name), LAT/LON (its position: the phone's position), PHOTOS (two photo
// files, one per line: the camera's pictures), PHOTO_RESUMED (the photo whose upload is cut off
// half-way), CHROMIUM (default /usr/bin/chromium); for HTTPS, API_URL (the server for node's own
// calls), HOST_RULES (Chromium's resolver rule for the server's name) and CERT_SPKI (the
// certificate's key hash Chromium trusts).
// Scenarios, in order: sign in and pull; offline reload; offline a visit with two photos, a
// satisfaction survey (a skip-logic branch, validation errors fixed) and a household phone edit;
// sync; the office sends the visit back (API) and the corrected visit is accepted; a push whose
// answer is lost is re-sent (nothing twice) and a photo upload cut off half-way resumes from the
// server's offset after a reload; a token refresh whose answer is lost is retried without signing
// the phone out; axe-core on every main screen.
// Prints `RESULT {"visit", "visit2", "photos", "response", "resumed"}` for the Rust side, which
// checks the server. Exits non-zero, with the reason, on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { axeRecorder } from "./axe.mjs";

// The phone's address for the server: https with a name that is not loopback, as in the field,
// so the secure context (service worker, camera, position) comes from TLS alone.
const base = process.env.BASE_URL;
// The same server for the office's API calls from node (trusting the certificate through
// NODE_EXTRA_CA_CERTS).
const api = process.env.API_URL || base;
const toApi = (url) => api + url.slice(base.length);
const shots = process.env.SHOTS;
const household = process.env.HOUSEHOLD;
const headName = process.env.HEAD_NAME;
const latitude = Number(process.env.LAT);
const longitude = Number(process.env.LON);
const photos = process.env.PHOTOS.split("\n").filter(Boolean);
const photoResumed = process.env.PHOTO_RESUMED;
mkdirSync(shots, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Signs in to the API as a demo user (the office's side of a scenario). */
async function apiToken(username) {
  const res = await fetch(`${api}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "fieldcheck-demo", device_id: `test-${username}` }),
  });
  assert.equal(res.status, 200, `${username} signs in`);
  return (await res.json()).access_token;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    // The server's name resolves to loopback, and its test certificate is trusted by its key
    // (a real certificate is trusted by its issuer): the page is a secure context over TLS.
    ...(process.env.HOST_RULES ? [`--host-resolver-rules=${process.env.HOST_RULES}`] : []),
    ...(process.env.CERT_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.CERT_SPKI}`] : []),
  ],
});
const problems = [];
const foreignRequests = [];
let page = null;
const consoleLog = [];

try {
  const context = await browser.newContext({
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    geolocation: { latitude, longitude, accuracy: 8 },
    permissions: ["geolocation"],
  });
  context.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) foreignRequests.push(r.url());
  });
  page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy|Uncaught|TypeError|ReferenceError/i.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => consoleLog.push(`${m.type()}: ${m.text()}`));

  // Accessibility on each main screen (tests/browser/axe.mjs).
  const axe = axeRecorder();
  const axeCheck = (name) => axe.check(page, name);

  // --- Online: open /app (redirected into the worker's scope), sign in, pull.
  const first = await page.goto(`${base}/app`);
  assert.equal(first.status(), 200);
  assert.equal(new URL(page.url()).pathname, "/app/");
  if (base.startsWith("https:"))
    assert.ok(await page.evaluate(() => window.isSecureContext && location.protocol === "https:"), "a secure context over TLS");
  const csp = first.headers()["content-security-policy"];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  await page.waitForSelector("form#login");
  await page.screenshot({ path: `${shots}/app-login.png` });
  await axeCheck("login");
  // Touch targets: every button and the inputs are at least 44 px high.
  for (const sel of ["#username", "#password", "form#login button"]) {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box.height >= 44, `${sel} is ${box.height}px high`);
  }
  await page.fill("#username", "inspector1");
  await page.fill("#password", "fieldcheck-demo");
  await page.click("form#login button[type=submit]");
  await page.waitForSelector("#assignments li", { timeout: 30000 });
  await page.waitForFunction(() => /上次同步/.test(document.querySelector("#last-sync")?.textContent || ""), null, { timeout: 30000 });
  const tasks = await page.locator("#assignments li").allInnerTexts();
  assert.equal(tasks.length, 3, `three assignments: ${tasks}`);
  assert.match(tasks[0], new RegExp(headName), "the household due first comes first");
  assert.match(tasks[0], /2027-01-05/);
  assert.match(tasks[1], /抽样调查/);
  assert.match(tasks[2], /全村/);
  assert.match(await page.innerText("#villages"), /已走访 0\/\d+ 户/);
  // The device id is kept and sent: the same one after a reload.
  const device = await page.evaluate(() => localStorage.getItem("fieldcheck.device_id"));
  assert.match(device, /^web-[0-9a-f-]{36}$/);

  // The service worker has installed the shell and controls the page.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
  const persisted = await page.evaluate(() => navigator.storage.persisted());
  await page.screenshot({ path: `${shots}/app-work.png`, fullPage: true });
  await axeCheck("work");

  // Search by head's name reaches the household; its page shows members with masked ids.
  await page.fill("#search", headName);
  await page.locator(`#search-results a[data-household="${household}"]`).click();
  await page.waitForSelector("#members");
  const ids = await page.locator("#members td.mono").allInnerTexts();
  assert.ok(ids.length >= 1 && ids.every((t) => /^\d{6}\*{8}\d{3}[\dX]$/.test(t)), `ID numbers masked: ${ids}`);
  assert.ok((await page.locator("[data-plan]").count()) >= 1, "the plan is shown");
  assert.equal(await page.locator("#start-survey").count(), 1, "a survey assignment offers the survey");
  await page.screenshot({ path: `${shots}/app-household.png`, fullPage: true });
  await axeCheck("household");

  // --- Offline: the app still opens, from the service worker.
  await context.setOffline(true);
  const again = await page.reload();
  assert.ok(again.fromServiceWorker(), "the reload was answered by the service worker");
  await page.waitForSelector("#members");
  await page.waitForFunction(() => document.querySelector("#net")?.textContent === "离线");
  assert.equal(await page.evaluate(() => localStorage.getItem("fieldcheck.device_id")), device);

  // Record a visit: the checklist, two lines of notes, two photos.
  await page.click("#new-visit");
  await page.waitForSelector("form#visit");
  await page.waitForFunction(() => /已获取位置/.test(document.querySelector("#location-status")?.textContent || ""));
  // Saving with the checklist incomplete is stopped on the phone.
  await page.click("#save-visit");
  assert.match(await page.innerText("#visit-error"), /请完成清单/);
  const answers = { food: "是", clothing: "是", education: "不适用", medical: "是", housing: "否", water: "是" };
  for (const [item, answer] of Object.entries(answers)) {
    await page.locator(`fieldset[data-item=${item}] label`, { hasText: answer }).tap();
  }
  await page.fill("#notes", "房屋墙体有裂缝\n已告知村委会");
  for (const [i, file] of photos.entries()) {
    await page.setInputFiles("#camera", file);
    await page.waitForFunction((n) => document.querySelectorAll("#new-photos li").length === n, i + 1);
  }
  assert.match(await page.innerText("#new-photos"), /已获取位置（精度约 8 米）/);
  await page.screenshot({ path: `${shots}/app-visit.png`, fullPage: true });
  await axeCheck("visit");
  await page.click("#save-visit");
  await page.waitForSelector("#visits li[data-visit]");
  // (An attempt to send fails meanwhile: the browser believes it is online after the reload.)
  await page.waitForFunction(
    () => document.querySelectorAll("#visits [data-state=saved]").length === 1 && document.querySelectorAll("#photos [data-state=saved]").length === 2,
    null,
    { timeout: 15000 },
  );
  assert.equal(await page.locator("#visits li[data-visit]").count(), 1, "the visit is saved on the phone");
  assert.equal(await page.locator("#photos li[data-photo]").count(), 2, "both photos are saved on the phone");
  const visit = await page.getAttribute("#visits li[data-visit]", "data-visit");
  const photoIds = await page.locator("#photos li[data-photo]").evaluateAll((els) => els.map((e) => e.dataset.photo));

  // Still offline: the satisfaction survey, with its skip logic and the phone's checks.
  await page.click("#start-survey");
  await page.waitForSelector("form#survey");
  const q = (id) => page.locator(`[data-question="${id}"]`);
  const pick = (id, label) => q(id).locator("label", { hasText: new RegExp(`^${label}$`) }).tap();
  assert.ok(await q("reasons").isHidden(), "the reasons are asked only of the dissatisfied");
  assert.ok(await q("visit_count").isHidden(), "the count is asked only after a visit");
  await pick("overall", "不满意");
  assert.ok(await q("reasons").isVisible(), "不满意 opens the reasons question");
  await pick("overall", "很满意");
  assert.ok(await q("reasons").isHidden(), "and another answer closes it again");
  await pick("overall", "不满意");
  await pick("visited", "是");
  assert.ok(await q("visit_count").isVisible());
  await page.fill("#q-visit_count", "400");
  await pick("knows_contact", "知道");
  await pick("measures", "产业扶贫");
  await pick("measures", "住房安全");
  await pick("income_change", "持平");
  await pick("guarantees", "3");
  // Saved with the reasons missing and the count out of range: stopped on the phone, one Chinese
  // message beside each question.
  await page.click("#save-survey");
  await page.waitForFunction(() => /有 2 道题需要修改/.test(document.querySelector("#survey-error")?.textContent || ""));
  assert.equal(await page.innerText("#err-reasons"), "请回答这道题");
  assert.equal(await page.innerText("#err-visit_count"), "请填写 0 到 365 之间的数");
  assert.equal(await page.getAttribute("#q-visit_count", "aria-invalid"), "true");
  assert.equal(await page.locator(".question.invalid").count(), 2);
  await page.screenshot({ path: `${shots}/app-survey.png`, fullPage: true });
  await axeCheck("survey");
  await page.fill("#q-visit_count", "2");
  await page.fill("#q-reasons", "村里道路还没有硬化");
  assert.equal(await page.locator(".question.invalid").count(), 0, "fixed answers clear their errors");
  await page.click("#save-survey");
  await page.waitForSelector("#responses li[data-response] [data-state=saved]");
  const response = await page.getAttribute("#responses li[data-response]", "data-response");
  assert.equal(await page.locator("#start-survey").count(), 0, "one survey per household");

  // Still offline: the household's phone number, checked as the server checks it.
  await page.click("#edit-household");
  await page.waitForSelector("form#edit");
  await page.fill("#edit-phone", "12345");
  await page.click("#save-edit");
  assert.match(await page.innerText("#edit-phone-error"), /11 位手机号/);
  await axeCheck("edit");
  await page.screenshot({ path: `${shots}/app-edit.png`, fullPage: true });
  await page.fill("#edit-phone", "139-0000-1234");
  await page.click("#save-edit");
  await page.waitForSelector("#hh-state [data-state=saved]");
  assert.equal(await page.innerText("#hh-phone"), "13900001234");
  // A second edit of the same record folds into the waiting mutation: one update, not two. The
  // same form sets a measure's status.
  await page.click("#edit-household");
  await page.waitForSelector("form#edit");
  await page.fill("#edit-address", `${(await page.inputValue("#edit-address")) || "村委会"}（东侧）`);
  const measure = await page.getAttribute("select[data-measure]", "data-measure");
  await page.selectOption(`select[data-measure="${measure}"]`, "in_progress");
  await page.click("#save-edit");
  await page.waitForSelector("#hh-state [data-state=saved]");
  await page.waitForSelector(`li[data-measure="${measure}"] [data-state=saved]`);

  // The outbox: the visit and two photo records, in order; the photos' bytes wait too.
  await page.locator("#tabs a[data-tab=sync]").tap();
  await page.waitForSelector("#outbox");
  // The visit, two photo records, the response, one household update and one measure update.
  assert.equal(await page.locator("#outbox li").count(), 6, await page.innerText("#outbox"));
  assert.equal(await page.locator("#photo-queue li").count(), 2);
  assert.match(await page.innerText("#sync-status"), /离线/);
  await page.screenshot({ path: `${shots}/app-sync-offline.png`, fullPage: true });
  await axeCheck("sync");

  // --- Back online: the app syncs by itself (push, upload in chunks, pull).
  await context.setOffline(false);
  await page.waitForFunction(
    () => document.querySelector("#outbox") === null && document.querySelector("#photo-queue") === null && /同步完成|上次同步/.test(document.querySelector("#sync-status")?.textContent || ""),
    null,
    { timeout: 90000 },
  );
  await page.goto(`${base}/app/#/h/${household}`);
  await page.waitForSelector("#visits li[data-visit]");
  assert.equal(await page.locator("#visits li[data-visit]").count(), 1, "one visit, not two");
  assert.equal(await page.locator("#visits [data-state=accepted]").count(), 1, "the visit is accepted");
  await page.waitForFunction(() => document.querySelectorAll("#photos [data-state=stored]").length === 2);
  assert.equal(await page.locator("#photos li[data-photo]").count(), 2, "two photos, not four");
  await page.waitForSelector("#responses [data-state=accepted]");
  await page.waitForSelector("#hh-state [data-state=accepted]");
  await page.waitForSelector(`li[data-measure="${measure}"] [data-state=accepted]`);
  assert.equal(await page.innerText("#hh-phone"), "13900001234");
  await page.screenshot({ path: `${shots}/app-synced.png`, fullPage: true });
  // Today's work shows both assignments of the household done.
  await page.locator("#tabs a[data-tab=work]").tap();
  await page.waitForSelector("#assignments");
  const done = await page.locator("#assignments li").allInnerTexts();
  assert.match(done[0], /已走访/);
  assert.match(done[1], /已调查/);
  await page.goto(`${base}/app/#/h/${household}`);
  await page.waitForSelector("#visits li[data-visit]");

  // --- The office sends the visit back (through the API); the next sync shows the comment at
  // the top of the household, and the corrected visit goes back as an update of that visit.
  const office = await apiToken("office");
  const comment = "请核实墙体裂缝是否已修复，并补拍住房照片";
  const sent = await fetch(`${api}/visits/${visit}/return`, {
    method: "POST",
    headers: { authorization: `Bearer ${office}`, "content-type": "application/json" },
    body: JSON.stringify({ comments: { housing: comment } }),
  });
  assert.equal(sent.status, 200, await sent.text());
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.click("#sync");
  await page.waitForSelector(`[data-correct="${visit}"]`, { timeout: 30000 });
  assert.match(await page.innerText(".card.alert .review-comments"), new RegExp(`住房安全有保障：${comment}`));
  await page.screenshot({ path: `${shots}/app-returned.png`, fullPage: true });
  await page.click(`[data-correct="${visit}"]`);
  await page.waitForSelector("form#visit");
  assert.match(await page.innerText(".review-comments"), new RegExp(comment));
  assert.ok(await page.isChecked("fieldset[data-item=housing] input[value=no]"), "the form holds the visit as sent");
  assert.equal(await page.inputValue("#notes"), "房屋墙体有裂缝\n已告知村委会");
  await page.locator("fieldset[data-item=housing] label", { hasText: "是" }).tap();
  await page.fill("#notes", "墙体裂缝已修复\n已补拍住房照片");
  await page.click("#save-visit");
  await page.waitForSelector(`#visits li[data-visit="${visit}"] [data-state=accepted]`, { timeout: 30000 });
  assert.equal(await page.locator(`[data-correct="${visit}"]`).count(), 0, "nothing waits for correction");

  // --- The office returns the survey response too: the survey opens again with its answers and
  // the reviewer's comment, and the correction goes back as an update of the same response.
  const reviewNote = "请写明是哪一段道路";
  const returnedResponse = await fetch(`${api}/responses/${response}/return`, {
    method: "POST",
    headers: { authorization: `Bearer ${office}`, "content-type": "application/json" },
    body: JSON.stringify({ comments: { reasons: reviewNote } }),
  });
  assert.equal(returnedResponse.status, 200, await returnedResponse.text());
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.click("#sync");
  await page.waitForSelector("#survey-correct", { timeout: 30000 });
  assert.match(await page.innerText("#responses"), new RegExp(reviewNote));
  await page.click("#survey-correct");
  await page.waitForSelector("form#survey");
  assert.match(await page.innerText(".card.alert"), new RegExp(`您不满意的主要原因是什么？：${reviewNote}`));
  assert.ok(await page.isChecked('[data-question="overall"] input[value=no]'), "the answers as sent");
  assert.equal(await page.inputValue("#q-reasons"), "村里道路还没有硬化");
  await page.fill("#q-reasons", "村东头到主路的两公里道路还没有硬化");
  await page.click("#save-survey");
  await page.waitForFunction(() => !document.querySelector("#survey-correct") && document.querySelector("#responses [data-state=accepted]"), null, {
    timeout: 30000,
  });

  // --- A conflict: the office changes the phone number while the phone, offline, changes it too
  // from the version it had. The server keeps the office's value and says so; the phone shows it.
  await context.setOffline(true);
  await page.click("#edit-household");
  await page.waitForSelector("form#edit");
  await page.fill("#edit-phone", "13800005678");
  await page.click("#save-edit");
  await page.waitForSelector("#hh-state [data-state=saved]");
  const current = await fetch(`${api}/households/${household}`, { headers: { authorization: `Bearer ${office}` } });
  assert.equal(current.status, 200);
  const patched = await fetch(`${api}/households/${household}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${office}`, "content-type": "application/json", "if-match": current.headers.get("etag") },
    body: JSON.stringify({ phone: "13711112222" }),
  });
  assert.equal(patched.status, 200, await patched.text());
  await context.setOffline(false);
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.click("#sync");
  await page.waitForSelector("#hh-state [data-state=conflict]", { timeout: 30000 });
  assert.match(await page.innerText(".card.alert"), /有冲突：电话 以办公室的值为准/);
  assert.match(await page.innerText(".card.alert"), /本机填写的电话“13800005678”未采用/);
  assert.equal(await page.innerText("#hh-phone"), "13711112222", "the server's value is shown");
  await page.screenshot({ path: `${shots}/app-conflict.png`, fullPage: true });
  // The office settles it for the phone's value; the next sync brings that version and the
  // conflict goes away.
  const open = await (await fetch(`${api}/sync/conflicts`, { headers: { authorization: `Bearer ${office}` } })).json();
  assert.equal(open.items.length, 1, JSON.stringify(open));
  const settled = await fetch(`${api}/sync/conflicts/${open.items[0].id}/resolve`, {
    method: "POST",
    headers: { authorization: `Bearer ${office}`, "content-type": "application/json" },
    body: JSON.stringify({ take: "device" }),
  });
  assert.equal(settled.status, 200, await settled.text());
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.click("#sync");
  await page.waitForSelector("#hh-state [data-state=accepted]", { timeout: 30000 });
  assert.equal(await page.innerText("#hh-phone"), "13800005678");
  assert.equal(await page.locator(".card.alert").count(), 0, "nothing left to settle");

  // --- A push whose answer is lost (the server applied it; the phone never heard), then a
  // photo upload cut off half-way, resumed after a reload from the offset the server holds.
  let lostAnswer = null;
  await page.route("**/sync/push", async (route) => {
    if (lostAnswer) return route.continue();
    lostAnswer = "pending";
    // route.fetch goes out from node, which reaches the server by its loopback address.
    const res = await route.fetch({ url: toApi(route.request().url()) });
    lostAnswer = await res.json();
    await route.abort("connectionreset");
  });
  let cut = null;
  await page.route("**/photos/*/content", async (route) => {
    const req = route.request();
    if (req.method() !== "PATCH" || cut) return route.continue();
    cut = "pending";
    const body = req.postDataBuffer();
    const half = Math.floor(body.length / 2);
    const res = await route.fetch({ url: toApi(req.url()), postData: body.subarray(0, half) });
    cut = { sent: half, status: res.status(), offset: res.headers()["upload-offset"], length: req.headers()["upload-length"] };
    await route.abort("connectionreset");
  });
  await page.goto(`${base}/app/#/visit/${household}`);
  await page.waitForSelector("form#visit");
  for (const [item, answer] of Object.entries(answers)) {
    await page.locator(`fieldset[data-item=${item}] label`, { hasText: answer }).tap();
  }
  await page.setInputFiles("#camera", photoResumed);
  await page.waitForFunction(() => document.querySelectorAll("#new-photos li").length === 1);
  await page.click("#save-visit");
  await page.waitForSelector("#visits li[data-visit]");
  for (let i = 0; i < 300 && (lostAnswer === null || lostAnswer === "pending"); i++) await sleep(100);
  assert.equal(lostAnswer?.results?.[0]?.status, "applied", `the server applied the push: ${JSON.stringify(lostAnswer)}`);
  const visit2 = lostAnswer.results[0].mutation_id && lostAnswer.results[0].record.id;
  // The phone heard nothing: the visit is shown as saved on the phone again, and sent again.
  await page.waitForSelector(`#visits li[data-visit="${visit2}"] [data-state=saved]`);
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.click("#sync");
  await page.waitForSelector(`#visits li[data-visit="${visit2}"] [data-state=accepted]`, { timeout: 30000 });
  for (let i = 0; i < 300 && (cut === null || cut === "pending"); i++) await sleep(100);
  assert.equal(cut?.status, 204, `half of the photo reached the server: ${JSON.stringify(cut)}`);
  assert.equal(Number(cut.offset), cut.sent);
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.unroute("**/sync/push");
  await page.unroute("**/photos/*/content");
  const resumedAt = [];
  page.on("request", (r) => {
    if (r.method() === "PATCH" && r.url().includes("/photos/")) resumedAt.push(Number(r.headers()["upload-offset"]));
  });
  await page.reload();
  await page.waitForSelector(`#visits li[data-visit="${visit2}"]`);
  await page.waitForFunction(() => document.querySelectorAll("#photos [data-state=stored]").length === 3, null, { timeout: 60000 });
  assert.equal(resumedAt[0], cut.sent, `the upload resumed from the server's offset: ${resumedAt}`);
  assert.equal(await page.locator("#visits li[data-visit]").count(), 2, "two visits, none twice");
  const allPhotos = await page.locator("#photos li[data-photo]").evaluateAll((els) => els.map((e) => e.dataset.photo));
  assert.equal(allPhotos.length, 3);

  // --- A refresh whose answer is lost: the access token has expired, the server rotates the
  // refresh token but the phone never hears. The next sync presents the same token again and
  // the phone stays signed in (the server's retry grace), nothing of the outbox touched.
  const sessionNow = () =>
    page.evaluate(async () => (await import("/app/js/db.js")).kvGet("session"));
  const before = await sessionNow();
  await page.evaluate(async () => {
    const { kvGet, kvSet } = await import("/app/js/db.js");
    await kvSet("session", { ...(await kvGet("session")), access_expires: 0 });
  });
  let lostRefresh = null;
  await page.route("**/auth/refresh", async (route) => {
    if (lostRefresh) return route.continue();
    lostRefresh = "pending";
    const res = await route.fetch({ url: toApi(route.request().url()) });
    lostRefresh = res.status();
    await route.abort("connectionreset");
  });
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.click("#sync");
  for (let i = 0; i < 300 && (lostRefresh === null || lostRefresh === "pending"); i++) await sleep(100);
  assert.equal(lostRefresh, 200, "the server rotated the token; the phone never heard");
  assert.equal((await sessionNow()).refresh_token, before.refresh_token, "the phone still holds the spent token");
  await page.waitForFunction(() => !document.querySelector("#sync").disabled);
  await page.click("#sync");
  let after = null;
  for (let i = 0; i < 300; i++) {
    after = await sessionNow();
    if (after?.refresh_token && after.refresh_token !== before.refresh_token) break;
    await sleep(100);
  }
  assert.ok(after?.refresh_token && after.refresh_token !== before.refresh_token, "the retried refresh was answered");
  assert.ok(after.access_expires > Date.now(), "with a fresh access token");
  await page.unroute("**/auth/refresh");
  assert.equal(await page.locator("form#login").count(), 0, "still signed in");

  // Storage: persistence asked for, the estimate shown.
  await page.locator("#tabs a[data-tab=me]").tap();
  await page.waitForSelector("#storage");
  assert.match(await page.innerText("#storage"), /已用 .+，可用约/);
  assert.equal(await page.innerText("#device-id"), device);
  await page.screenshot({ path: `${shots}/app-me.png`, fullPage: true });
  await axeCheck("me");
  axe.assertClean();

  assert.deepEqual(problems, [], "no script errors and no Content-Security-Policy violations");
  assert.deepEqual(foreignRequests, [], "no request leaves this server");
  console.log(`storage persisted: ${persisted}`);
  console.log(`RESULT ${JSON.stringify({ visit, visit2, photos: photoIds, allPhotos, response, measure, resumed: cut })}`);
  console.log("field app: all checks passed");
} catch (e) {
  console.error(e);
  // What the phone showed when it failed.
  if (page) {
    await page.screenshot({ path: `${shots}/app-failure.png`, fullPage: true }).catch(() => {});
    console.error(`screen at failure (${page.url()}):\n${await page.innerText("body").catch(() => "?")}`);
  }
  if (problems.length) console.error(`script problems: ${problems.join("\n")}`);
  console.error(`console:\n${consoleLog.slice(-30).join("\n")}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
