// The office's year in a real browser: a new cycle opened from the list, the demo's cycle walked
// through its steps with what each next step misses shown, a move back with a reason, a
// self-report returned, an evaluator commissioned, the aggregation, a decision overriding the
// suggestion (refused in place without a reason), publication and the lock badge; then the REST
// API is asked whether it says what the pages showed.
// Environment: BASE_URL, SHOTS, EVALUATOR (display name of an evaluator account), CHROMIUM.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";
import { axeRecorder } from "./axe.mjs";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const cspViolations = [];
// Accessibility of every page the script visits (tests/browser/axe.mjs).
const axe = axeRecorder();

async function signIn(context, username) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${base}/ui/cycles`);
  assert.match(page.url(), /\/ui\/login\?next=/, "an anonymous visitor is sent to sign in");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(/\/ui\/cycles/), page.click("button[type=submit]")]);
  return page;
}

async function api(path) {
  const login = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "office", password: "fieldcheck-demo", device_id: "browser-test" }),
  });
  const { access_token } = await login.json();
  const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${access_token}` } });
  assert.equal(r.status, 200, path);
  return r.json();
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

const step = (page) => page.getAttribute("#current-step", "data-step");

try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await signIn(context, "office");
  await page.screenshot({ path: `${shots}/year-cycles.png`, fullPage: true });
  await axe.check(page, "year-cycles");

  // A new cycle from the list.
  await page.fill("#year", "2027");
  await page.fill("#pass-threshold", "65");
  await submit(page, "#new-cycle button[type=submit]");
  assert.match(page.url(), /\/ui\/cycles\/[0-9a-f-]{36}$/);
  assert.equal(await step(page), "self_report");
  await page.screenshot({ path: `${shots}/year-new-cycle.png`, fullPage: true });
  await axe.check(page, "year-new-cycle");

  // The demo's 2026 cycle: what step 2 needs, per assessee.
  await page.goto(`${base}/ui/cycles`);
  await submit(page, "#cycles a:text('2026')");
  const cycleUrl = page.url();
  const cid = new URL(cycleUrl).pathname.split("/")[3];
  assert.match(await page.innerText("#needs"), /自查报告未全部提交/);
  await page.screenshot({ path: `${shots}/year-cycle-needs.png`, fullPage: true });
  await axe.check(page, "year-cycle-needs");

  // Return the submitted self-report with a comment.
  await page.goto(`${cycleUrl}/self-reports`);
  await page.screenshot({ path: `${shots}/year-self-reports.png`, fullPage: true });
  await axe.check(page, "year-self-reports");
  const form = page.locator("form.return-report").first();
  await form.locator("textarea").fill("请补充资金使用台账");
  await Promise.all([page.waitForNavigation(), form.locator("button").click()]);
  assert.equal(await page.locator("tr[data-status=returned]").count(), 1);
  await page.screenshot({ path: `${shots}/year-self-report-returned.png`, fullPage: true });
  await axe.check(page, "year-self-report-returned");

  // Forward, back with a reason, forward again.
  await page.goto(cycleUrl);
  assert.match(await page.innerText("#needs"), /被退回待重交的自查报告 1 份/);
  await submit(page, "#forward button");
  assert.equal(await step(page), "evaluation");
  assert.match(await page.innerText("#needs"), /尚有评分项目未评分/);
  await page.selectOption("#back select[name=to]", "self_report");
  await page.fill("#back-reason", "龙华区材料不全，退回补充");
  await submit(page, "#back button");
  assert.equal(await step(page), "self_report");
  assert.match(await page.innerText("#moves"), /龙华区材料不全，退回补充/);
  assert.match(await page.innerText("#timeline"), /龙华区材料不全/);
  await page.screenshot({ path: `${shots}/year-cycle-back.png`, fullPage: true });
  await axe.check(page, "year-cycle-back");
  await submit(page, "#forward button");
  assert.equal(await step(page), "evaluation");

  // Commission the evaluator for the first assessee.
  await page.goto(`${cycleUrl}/commissions`);
  const evaluator = await page
    .locator("#evaluator option", { hasText: process.env.EVALUATOR })
    .getAttribute("value");
  await page.selectOption("#evaluator", evaluator);
  await page.locator("#commission input[type=checkbox]").first().check();
  await submit(page, "#commission button[type=submit]");
  assert.match(await page.innerText("main"), /新增委托 1 项/);
  assert.equal(await page.locator("#commissions tbody tr").count(), 1);
  await page.screenshot({ path: `${shots}/year-commissions.png`, fullPage: true });
  await axe.check(page, "year-commissions");

  // Aggregation.
  await page.goto(cycleUrl);
  await submit(page, "#forward button");
  assert.equal(await step(page), "aggregation");
  await page.goto(`${cycleUrl}/results`);
  await submit(page, "#aggregate button");
  assert.ok((await page.locator("#decisions tbody tr").count()) > 0, "results listed");
  await page.screenshot({ path: `${shots}/year-results-aggregated.png`, fullPage: true });
  await axe.check(page, "year-results-aggregated");

  // Review: an override without a reason is refused on its row, then decided with one.
  await page.goto(cycleUrl);
  await submit(page, "#forward button");
  assert.equal(await step(page), "review");
  await page.goto(`${cycleUrl}/results`);
  const row = page.locator("#decisions tbody tr").first();
  const assessee = await row.getAttribute("data-assessee");
  const suggested = await row.locator("td.suggested").getAttribute("data-grade");
  const other = suggested === "pass" ? "fail" : "pass";
  await row.locator("select[name=grade]").selectOption(other);
  const [refused] = await Promise.all([page.waitForNavigation(), row.locator("form.decide button").click()]);
  assert.equal(refused.status(), 400);
  const again = page.locator(`#decisions tbody tr[data-assessee="${assessee}"]`);
  assert.match(await again.innerText(), /改变建议等次必须填写理由/);
  assert.equal(await again.locator("select[name=grade]").inputValue(), other, "the choice is kept");
  await page.screenshot({ path: `${shots}/year-decision-refused.png`, fullPage: true });
  await axe.check(page, "year-decision-refused");
  await again.locator("input[name=reason]").fill("领导小组综合评议");
  await Promise.all([page.waitForNavigation(), again.locator("form.decide button").click()]);
  const decided = page.locator(`#decisions tbody tr[data-assessee="${assessee}"]`);
  assert.equal(await decided.locator("td.decided").getAttribute("data-grade"), other);
  await page.screenshot({ path: `${shots}/year-results-decided.png`, fullPage: true });
  await axe.check(page, "year-results-decided");

  // Publish: the lock badge appears.
  await submit(page, "#publish button");
  assert.match(page.url(), /\/results$/);
  assert.ok(await page.locator("#lock-badge").isVisible(), "lock badge on the results");
  await page.screenshot({ path: `${shots}/year-results-locked.png`, fullPage: true });
  await axe.check(page, "year-results-locked");
  await page.goto(cycleUrl);
  assert.ok(await page.locator("#lock-badge").isVisible(), "lock badge on the cycle");
  assert.equal(await step(page), "publication");
  await page.screenshot({ path: `${shots}/year-cycle-locked.png`, fullPage: true });
  await axe.check(page, "year-cycle-locked");
  await page.goto(`${cycleUrl}/sheet?assessee=${assessee}`);
  assert.ok(await page.locator("#lock-badge").isVisible(), "lock badge on the sheet");
  await page.screenshot({ path: `${shots}/year-sheet-locked.png`, fullPage: true });
  await axe.check(page, "year-sheet-locked");

  // What the API says is what the pages showed.
  const c = await api(`/cycles/${cid}`);
  assert.equal(c.step, "publication");
  assert.ok(c.locked_at, "locked");
  const results = await api(`/cycles/${cid}/results`);
  const mine = results.items.find((r) => r.assessee_id === assessee);
  assert.equal(mine.suggested, suggested);
  assert.equal(mine.decided, other);
  assert.equal(mine.reason, "领导小组综合评议");
  const reports = await api(`/cycles/${cid}/self-reports`);
  assert.equal(reports.items[0].status, "returned");
  assert.equal(reports.items[0].review_comment, "请补充资金使用台账");

  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  axe.assertClean();
  console.log("all checks passed");
} finally {
  await browser.close();
}
