// The office's questionnaire pages in a real browser (Debian's Chromium through playwright-core),
// against the server tests/api/office_questionnaires.rs started with demo data: import an XLSForm,
// see the phone preview follow the form and its skip logic, fix the error shown at its question,
// save, publish. The Rust test then checks through the API what phones get.
// Environment: BASE_URL, SHOTS (folder for screenshots), XLSFORM (the fixture's path),
// CHROMIUM (default /usr/bin/chromium). Exits non-zero, with the reason, on the first failure.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";
import { axeRecorder } from "./axe.mjs";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const xlsform = process.env.XLSFORM;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const cspViolations = [];
const scriptErrors = [];

async function signIn(context, username, path) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on("pageerror", (e) => scriptErrors.push(String(e)));
  await page.goto(`${base}${path}`);
  assert.match(page.url(), /\/ui\/login\?next=/, "an anonymous visitor is sent to sign in");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(new RegExp(path.replace(/[/?]/g, "\\$&") + "$")), page.click("button[type=submit]")]);
  return page;
}

// Accessibility of every page shown (tests/browser/axe.mjs).
const axe = axeRecorder();

// A screenshot of the page, and its accessibility check.
async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  await axe.check(page, name);
}

try {
  const office = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await signIn(office, "office", "/ui/questionnaires");

  // --- The list: the demo's questionnaire is the one phones ask.
  const current = page.locator("table.q-list tr.current");
  assert.equal(await current.count(), 1);
  assert.match(await current.innerText(), /satisfaction[\s\S]*手机使用中/);
  await shot(page, "questionnaires-list");

  // --- The editor from the last version, with its preview.
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\/new$/), page.click("a[href='/ui/questionnaires/new']")]);
  assert.equal(await page.locator("fieldset.q-edit").count(), 9);
  assert.equal(await page.locator("#preview .question").count(), 9);
  await shot(page, "questionnaires-new");

  // --- Import the XLSForm.
  await page.goto(`${base}/ui/questionnaires`);
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\/import$/), page.click("a[href='/ui/questionnaires/import']")]);
  await shot(page, "questionnaires-import");
  await page.setInputFiles("input[name=file]", xlsform);
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\/import$/), page.click("form.q-import button[type=submit]")]);
  await page.waitForSelector("#q-editor.js-on");
  assert.equal(await page.inputValue("input[name=code]"), "satisfaction_xlsform");
  assert.equal(await page.locator("fieldset.q-edit").count(), 10, "start and end are skipped");

  // The preview is the phone's form: questions with a condition wait for their answer.
  const pv = (id) => page.locator(`#preview .question[data-question='${id}']`);
  assert.equal(await page.locator("#preview .question").count(), 10);
  assert.equal(await pv("visit_count").isVisible(), false, "asked only after a visit");
  await pv("visited").locator("input[value=yes]").check();
  assert.equal(await pv("visit_count").isVisible(), true, "a yes asks the count");
  assert.equal(await pv("industry_note").isVisible(), false);
  await pv("measures").locator("input[value=industry]").check();
  assert.equal(await pv("industry_note").isVisible(), true, "selected(${measures}, 'industry')");
  assert.equal(await pv("reasons").isVisible(), false);
  await pv("overall").locator("input[value=no]").check();
  assert.equal(await pv("reasons").isVisible(), true);

  // The domain's error is shown at the question it concerns.
  const first = page.locator("#question-0");
  assert.match(await first.getAttribute("class"), /invalid/);
  assert.match(await first.locator(".q-question-errors").innerText(), /options\[1\]\.satisfied/);
  assert.equal(await page.locator("fieldset.q-edit.invalid").count(), 1);
  await shot(page, "questionnaires-draft");

  // Each question shows the settings of its kind.
  assert.equal(await page.locator("textarea[name='q9.options']").isVisible(), false, "a text question has no options");
  assert.equal(await page.locator("input[name='q9.max_chars']").isVisible(), true);
  await page.selectOption("select[name='q9.kind']", "single_choice");
  assert.equal(await page.locator("textarea[name='q9.options']").isVisible(), true);
  await page.selectOption("select[name='q9.kind']", "text");

  // The preview follows the form as it is typed.
  await page.fill("textarea[name='q1.text']", "今年帮扶干部来过您家吗？");
  await page.waitForFunction(() => document.querySelector("#preview [data-question=visited] legend")?.textContent.includes("帮扶干部来过"));

  // Fix the option, check: no error left.
  const options = await page.inputValue("textarea[name='q0.options']");
  await page.fill("textarea[name='q0.options']", options.replace(/^fairly \| 比较满意\s*$/m, "fairly | 比较满意 | 是"));
  await Promise.all([page.waitForLoadState("load"), page.click("button[value=check]")]);
  await page.waitForSelector("p.notice");
  assert.equal(await page.locator("fieldset.q-edit.invalid").count(), 0);
  assert.equal(await page.inputValue("textarea[name='q1.text']"), "今年帮扶干部来过您家吗？", "the input is kept");
  await shot(page, "questionnaires-fixed");

  // Save: a stored version of its own code, not yet what phones ask.
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\?saved=/), page.click("button[value=save]")]);
  const row = page.locator("table.q-list tr", { hasText: "satisfaction_xlsform" });
  assert.equal(await row.count(), 1);
  assert.doesNotMatch(await row.innerText(), /手机使用中/);
  await shot(page, "questionnaires-saved");

  // Publish: phones ask it from their next sync.
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\?published=/), row.locator("button", { hasText: "发布到手机" }).click()]);
  const now = page.locator("table.q-list tr.current");
  assert.match(await now.innerText(), /satisfaction[\s\S]*2[\s\S]*贫困户满意度调查（XLSForm）[\s\S]*手机使用中/);
  await shot(page, "questionnaires-published");

  // One version's page: the phone's form.
  await Promise.all([page.waitForURL(/\/ui\/questionnaires\/[0-9a-f-]{36}$/), now.locator("a", { hasText: "查看" }).click()]);
  assert.equal(await page.locator("#preview .question").count(), 10);
  assert.equal(await page.locator("#preview .question[data-question=visit_count]").isVisible(), false);
  await shot(page, "questionnaires-view");

  axe.assertClean();
  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  assert.deepEqual(scriptErrors, [], "no script errors");
  console.log("all checks passed");
} finally {
  await browser.close();
}
