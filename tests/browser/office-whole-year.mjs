// A whole assessment year through the office's pages in a real browser (Debian's Chromium through
// playwright-core), against the server tests/api/office_whole_year.rs started with demo data.
// Every action is taken on the pages; the Rust side plays the phones between the two phases and
// checks through the REST API afterwards.
//   PHASE=office-before-fieldwork: import households (a bad file, then the fixed one), walk the
//     demo's cycle to evaluation, draw a sample with a fixed seed and assign it, import, fix, save
//     and publish the XLSForm questionnaire.
//   PHASE=office-after-fieldwork: send one response back, create and commission an evaluator,
//     score every assessee (office) and one item (evaluator), aggregate, decide with one
//     override, publish; download the results XLSX and the evidence ZIP; write what the results
//     page showed to SHOTS/whole-year-results.json.
// Environment: BASE_URL, SHOTS, PHASE, CHROMIUM; phase one: BAD_FILE, BAD_LINE, FIXED_FILE,
// XLSFORM, SEED; phase two: CYCLE, RESPONSE, DISTRICT (Longhua's district government).
import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import assert from "node:assert/strict";
import { axeRecorder } from "./axe.mjs";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const phase = process.env.PHASE;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const cspViolations = [];
const scriptErrors = [];
// Accessibility of every page the script visits (tests/browser/axe.mjs).
const axe = axeRecorder();

async function signIn(context, username, path, landing) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on("pageerror", (e) => scriptErrors.push(String(e)));
  await page.goto(`${base}${path}`);
  assert.match(page.url(), /\/ui\/login\?next=/, "an anonymous visitor is sent to sign in");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(landing), page.click("button[type=submit]")]);
  return page;
}

// Screenshots are numbered across both phases: phase two starts at 20.
let n = phase === "office-after-fieldwork" ? 20 : 1;
async function shot(page, name) {
  const file = `whole-year-${String(n++).padStart(2, "0")}-${name}`;
  await page.screenshot({ path: `${shots}/${file}.png`, fullPage: true });
  await axe.check(page, file);
}

async function submit(page, locator) {
  const [r] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return r;
}

/// The value of the option of `select` whose text contains `text`.
async function optionFor(page, select, text) {
  return page.$eval(select, (s, t) => [...s.options].find((o) => o.textContent.includes(t))?.value, text);
}

/** Clicks what starts a download and saves the file under SHOTS as `name`. */
async function download(page, click, expected, name) {
  const [d] = await Promise.all([page.waitForEvent("download"), click()]);
  assert.equal(d.suggestedFilename(), expected);
  await d.saveAs(`${shots}/${name}`);
}

const step = (page) => page.getAttribute("#current-step", "data-step");

async function beforeFieldwork() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await signIn(context, "office", "/ui/import", /\/ui\/import$/);
  await shot(page, "import");

  // 1. The registry: a file with a bad row imports nothing and says which line; the fixed one imports.
  await page.setInputFiles("#file", process.env.BAD_FILE);
  await submit(page, page.locator("#preview"));
  assert.match(await page.innerText("#import-error"), /未导入任何数据/);
  const errors = page.locator("#import-errors tbody tr");
  assert.equal(await errors.count(), 1, "the one bad row is listed");
  assert.equal((await errors.first().locator("td.num").innerText()).trim(), process.env.BAD_LINE, "with its line");
  assert.equal(await page.locator("#import").count(), 0, "no import button for a file with problems");
  await shot(page, "import-bad-row");
  await page.setInputFiles("#file", process.env.FIXED_FILE);
  await submit(page, page.locator("#preview"));
  assert.match(await page.innerText("#import-counts"), /户\s+3\s+0/);
  await shot(page, "import-preview");
  await Promise.all([page.waitForURL(/\/ui\/import\?created=3/), page.click("#import")]);
  assert.match(await page.innerText("#import-done"), /导入完成/);
  await shot(page, "import-done");

  // 2. The demo's cycle, walked to evaluation with the cycle page's control.
  await page.goto(`${base}/ui/cycles`);
  await shot(page, "cycles");
  await submit(page, page.locator("#cycles a:text('2026')"));
  const cycle = new URL(page.url()).pathname.split("/")[3];
  assert.equal(await step(page), "self_report");
  await submit(page, page.locator("#forward button"));
  assert.equal(await step(page), "evaluation");
  await shot(page, "cycle-evaluation");

  // 3. A sample of Longhua with a fixed seed, assigned to inspector1 and surveyor1 with due dates.
  await page.goto(`${base}/ui/fieldwork`);
  await submit(page, page.locator(`#cycles tbody a[href='/ui/fieldwork/cycles/${cycle}']`));
  await submit(page, page.locator("a.button[href$='/samples/new']"));
  await page.fill("#sample-name", "龙华区全年核查抽样");
  await page.selectOption("select[name=district]", "460106");
  await page.selectOption("select[name=rule]", "per_stratum");
  await page.fill("input[name=size]", "2");
  await page.fill("#seed", process.env.SEED);
  await Promise.all([page.waitForURL(new RegExp(`seed=${process.env.SEED}`)), page.click("#preview")]);
  const toDraw = Number(await page.innerText("#draw-total"));
  await shot(page, "sample-draw");
  await Promise.all([page.waitForURL(/\/ui\/fieldwork\/samples\/[^/?]+$/), page.click("#draw")]);
  const sample = new URL(page.url()).pathname.split("/")[4];
  assert.equal((await page.innerText("#seed")).trim(), process.env.SEED);
  assert.equal(Number(await page.innerText("#drawn")), toDraw);
  const fieldsets = page.locator("fieldset.village");
  const villages = await fieldsets.count();
  assert.ok(villages >= 2, "Longhua's villages");
  await fieldsets.nth(0).locator("input[data-select-stratum]").check();
  await page.selectOption("#assign-user", await optionFor(page, "#assign-user", "(inspector1)"));
  await page.selectOption("#assign-method", "on_site_verification");
  await page.fill("#due-on", "2027-01-05");
  await Promise.all([page.waitForURL(/assigned=/), page.click("#assign-submit")]);
  for (let i = 1; i < villages; i++) {
    await fieldsets.nth(i).locator("input[data-select-stratum]").check();
  }
  await page.selectOption("#assign-user", await optionFor(page, "#assign-user", "(surveyor1)"));
  await page.selectOption("#assign-method", "sample_survey");
  await page.fill("#due-on", "2027-01-08");
  await Promise.all([page.waitForURL(/assigned=/), page.click("#assign-submit")]);
  await shot(page, "sample-assigned");

  // 4. The XLSForm: imported, its error fixed in place, saved, published to phones.
  await page.goto(`${base}/ui/questionnaires/import`);
  await page.setInputFiles("input[name=file]", process.env.XLSFORM);
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\/import$/), page.click("form.q-import button[type=submit]")]);
  await page.waitForSelector("#q-editor.js-on");
  assert.equal(await page.locator("fieldset.q-edit.invalid").count(), 1, "the fixture's one error");
  assert.match(await page.locator("#question-0 .q-question-errors").innerText(), /options\[1\]\.satisfied/);
  await shot(page, "questionnaire-imported");
  const options = await page.inputValue("textarea[name='q0.options']");
  await page.fill("textarea[name='q0.options']", options.replace(/^fairly \| 比较满意\s*$/m, "fairly | 比较满意 | 是"));
  await Promise.all([page.waitForLoadState("load"), page.click("button[value=check]")]);
  await page.waitForSelector("p.notice");
  assert.equal(await page.locator("fieldset.q-edit.invalid").count(), 0, "fixed in place");
  await shot(page, "questionnaire-fixed");
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\?saved=/), page.click("button[value=save]")]);
  const row = page.locator("table.q-list tr", { hasText: "satisfaction_xlsform" });
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\?published=/), row.locator("button", { hasText: "发布到手机" }).click()]);
  assert.match(await page.innerText("table.q-list tr.current"), /贫困户满意度调查（XLSForm）[\s\S]*手机使用中/);
  await shot(page, "questionnaire-published");
  console.log(JSON.stringify({ cycle, sample, drawn: toDraw }));
}

async function afterFieldwork() {
  const { CYCLE: cycle, RESPONSE: response, DISTRICT: district } = process.env;
  const cycleUrl = `${base}/ui/cycles/${cycle}`;
  const office = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  const page = await signIn(office, "office", "/ui/queues", /\/ui\/queues$/);
  await shot(page, "queues");

  // 6. The review queue: one response sent back with a comment.
  await submit(page, page.locator("a[href='/ui/queues/fieldwork?kind=response']"));
  const entry = page.locator(`#entry-${response}`);
  await entry.waitFor();
  await entry.locator("input[name='comment.visit_count']").fill("走访次数与台账不符，请核实");
  await shot(page, "review-queue");
  await submit(page, entry.locator("button[type=submit]"));
  assert.equal(await page.locator(`#entry-${response}`).count(), 0, "the response left the queue");

  // 7a. The admin adds an evaluator on the people page; the office commissions it for Longhua.
  const adminContext = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const people = await signIn(adminContext, "admin", "/ui/people", /\/ui\/people$/);
  await people.fill("#add-user input[name=username]", "eval-year");
  await people.fill("#add-user input[name=display_name]", "第三方评估员丙");
  await people.fill("#add-user input[name=password]", "fieldcheck-demo");
  await people.selectOption("#add-user select[name=role]", "evaluator");
  await Promise.all([people.waitForURL(/\/ui\/people$/), people.click("#create")]);
  assert.match(await people.innerText("tr[data-username=eval-year]"), /第三方评估员丙/);
  await shot(people, "people-evaluator");
  await adminContext.close();

  await page.goto(`${cycleUrl}/commissions`);
  await page.selectOption("#evaluator", await optionFor(page, "#evaluator", "第三方评估员丙"));
  await page.check(`#commission input[name=assessee_ids][value='${district}']`);
  await submit(page, page.locator("#commission button[type=submit]"));
  assert.equal(await page.locator("#commissions tbody tr").count(), 1);
  await shot(page, "commission");

  // 7b. The office scores every item of every assessee through the sheets' forms.
  await page.goto(`${base}/ui/scoring/${cycle}`);
  await shot(page, "scoring-list");
  const sheets = await page.locator("#scoring-assessees tbody a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(sheets.length > 1, "the cycle's assessees");
  for (const [a, sheet] of sheets.entries()) {
    await page.goto(`${base}${sheet}`);
    const forms = page.locator("form.score-form");
    const items = await forms.count();
    for (let i = 0; i < items; i++) {
      const f = page.locator("form.score-form").nth(i);
      const max = Number((await f.locator("xpath=ancestor::article").locator("h3 small").innerText()).match(/\d+(\.\d)?/)[0]);
      // Full marks for every third assessee, about two thirds for the others: both grades occur.
      const score = a % 3 === 0 ? max : Math.round(max * 6.5) / 10;
      await f.locator("input[name=score]").fill(String(score));
      await f.locator("select[name=method]").selectOption("document_review");
      await f.locator("textarea[name=comment]").fill(`第${i + 1}项已查阅资料`);
      await submit(page, f.locator("button[type=submit]"));
      assert.ok(page.url().startsWith(`${base}${sheet}`), `saved and back on the sheet (${page.url()})`);
    }
    assert.equal(await page.locator(".scoring-item .missing").count(), 0, `nothing left on ${sheet}`);
    if (a === 0) await shot(page, "scoring-sheet");
  }
  await page.goto(`${base}/ui/scoring/${cycle}`);
  assert.equal(await page.locator("#scoring-assessees tbody tr:not([data-missing='0'])").count(), 0, "all scored");
  await shot(page, "scoring-done");

  // 7c. The commissioned evaluator scores one item of Longhua.
  const evContext = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const ev = await signIn(evContext, "eval-year", "/ui/", /\/ui\/scoring$/);
  await submit(ev, ev.locator(`#scoring-cycles a[href='/ui/scoring/${cycle}']`));
  assert.equal(await ev.locator("#scoring-assessees tbody tr").count(), 1, "only the commissioned assessee");
  await submit(ev, ev.locator(`#scoring-assessees a[href='/ui/scoring/${cycle}/${district}']`));
  const ef = ev.locator("form.score-form").first();
  const evItem = await ef.locator("input[name=item]").inputValue();
  await ef.locator("input[name=score]").fill("1");
  await ef.locator("select[name=method]").selectOption("onsite_inspection");
  await ef.locator("textarea[name=comment]").fill("实地查看");
  await submit(ev, ef.locator("button[type=submit]"));
  assert.equal(await ev.locator(".scoring-item .current strong.score").first().innerText(), "1.0");
  await shot(ev, "scoring-evaluator");
  await evContext.close();

  // 8. Aggregate, decide (one override with a reason), publish.
  await page.goto(cycleUrl);
  assert.doesNotMatch(await page.innerText("main"), /尚有评分项目未评分/, "no item left unscored");
  await submit(page, page.locator("#forward button"));
  assert.equal(await step(page), "aggregation");
  await page.goto(`${cycleUrl}/results`);
  await submit(page, page.locator("#aggregate button"));
  const rows = page.locator("#decisions tbody tr");
  assert.equal(await rows.count(), sheets.length, "a result per assessee");
  await shot(page, "results-aggregated");
  await page.goto(cycleUrl);
  await submit(page, page.locator("#forward button"));
  assert.equal(await step(page), "review");
  await page.goto(`${cycleUrl}/results`);
  const first = rows.first();
  const overridden = await first.getAttribute("data-assessee");
  const suggested = await first.locator("td.suggested").getAttribute("data-grade");
  const other = suggested === "pass" ? "fail" : "pass";
  await first.locator("select[name=grade]").selectOption(other);
  await first.locator("input[name=reason]").fill("领导小组综合评议");
  await submit(page, first.locator("form.decide button"));
  const decided = page.locator(`#decisions tbody tr[data-assessee="${overridden}"]`);
  assert.equal(await decided.locator("td.decided").getAttribute("data-grade"), other);
  await shot(page, "results-decided");
  await submit(page, page.locator("#publish button"));
  assert.ok(await page.locator("#lock-badge").isVisible(), "lock badge on the results");
  await shot(page, "results-published");

  // 9. The results workbook and Longhua's evidence package, downloaded from the pages.
  await download(page, () => page.click("a[href$='/results.xlsx']"), "results.xlsx", "whole-year-results.xlsx");
  await page.goto(cycleUrl);
  assert.equal(await step(page), "publication");
  assert.ok(await page.locator("#lock-badge").isVisible(), "lock badge on the cycle");
  await page.selectOption("form[action='/ui/evidence.zip'] select[name=district]", "460106");
  await shot(page, "cycle-locked");
  await download(page, () => page.click("form[action='/ui/evidence.zip'] button[type=submit]"), "evidence.zip", "whole-year-evidence.zip");

  // 10. What the results page showed, for the Rust side to compare with the API.
  await page.goto(`${cycleUrl}/results`);
  const shown = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({
      assessee: tr.dataset.assessee,
      total: tr.querySelector("td.num").textContent.trim(),
      suggested: tr.querySelector("td.suggested").dataset.grade,
      decided: tr.querySelector("td.decided").dataset.grade,
      reason: tr.querySelector("td.reason").textContent.trim(),
    })),
  );
  writeFileSync(`${shots}/whole-year-results.json`, JSON.stringify({ evaluator_item: evItem, overridden, results: shown }, null, 1));
}

try {
  if (phase === "office-before-fieldwork") await beforeFieldwork();
  else if (phase === "office-after-fieldwork") await afterFieldwork();
  else throw new Error(`unknown PHASE ${phase}`);
  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  assert.deepEqual(scriptErrors, [], "no script errors");
  axe.assertClean();
  console.log("all checks passed");
} finally {
  await browser.close();
}
