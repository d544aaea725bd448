// The scoring pages and review queues in a real browser (Debian's Chromium through
// playwright-core), against the server tests/api/office_scoring.rs started and seeded through
// the API as phones would. Environment: BASE_URL, SHOTS (folder for screenshots), CYCLE (in its
// evaluation step), DISTRICT (Longhua's district government, the evaluators' commission), OTHER
// (another district's), RESPONSE (a survey response waiting for review), CONFLICT (a sync
// conflict), CHROMIUM (default /usr/bin/chromium).
// Exits non-zero, with the reason, on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";
import { axeRecorder } from "./axe.mjs";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const { CYCLE: cycle, DISTRICT: district, OTHER: other, RESPONSE: response, CONFLICT: conflict } = process.env;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const cspViolations = [];
// Accessibility of every page the script visits (tests/browser/axe.mjs).
const axe = axeRecorder();

// Opens `path` signed out, signs in on the page it is sent to, and lands where `landing` says.
async function signIn(context, username, path, landing) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${base}${path}`);
  assert.match(page.url(), /\/ui\/login/, "an anonymous visitor is sent to sign in");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(landing), page.click("button[type=submit]")]);
  return page;
}

async function submit(page, button) {
  await Promise.all([page.waitForNavigation(), button.click()]);
}

const sheetUrl = `/ui/scoring/${cycle}/${district}`;

try {
  const office = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await signIn(office, "office", "/ui/queues", /\/ui\/queues$/);
  assert.equal(await page.innerText("#count-responses"), "2");
  assert.equal(await page.innerText("#count-conflicts"), "1");
  await page.screenshot({ path: `${shots}/scoring-queues.png`, fullPage: true });
  await axe.check(page, "scoring-queues");

  // --- Responses waiting for review: keyboard to the first entry, a comment, sent back.
  await submit(page, page.locator("a[href='/ui/queues/fieldwork?kind=response']"));
  const entry = page.locator(`#entry-${response}`);
  await entry.waitFor();
  await page.keyboard.press("j");
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains("queue-item")), "J moves to an entry");
  await page.keyboard.press("c");
  assert.ok(await page.evaluate(() => document.activeElement.name?.startsWith("comment.")), "C goes to a comment");
  await page.keyboard.press("Escape");
  await entry.locator("input[name='comment.visit_count']").fill("请核实走访次数");
  await page.screenshot({ path: `${shots}/scoring-fieldwork.png`, fullPage: true });
  await axe.check(page, "scoring-fieldwork");
  await submit(page, entry.locator("button[type=submit]"));
  assert.match(page.url(), /\/ui\/queues\/fieldwork\?kind=response$/);
  assert.equal(await page.locator(`#entry-${response}`).count(), 0, "the response left the queue");

  // --- The sync conflict: the office keeps its value.
  await page.goto(`${base}/ui/queues`);
  await submit(page, page.locator("a[href='/ui/queues/conflicts']"));
  await page.screenshot({ path: `${shots}/scoring-conflicts.png`, fullPage: true });
  await axe.check(page, "scoring-conflicts");
  await submit(page, page.locator(`#conflict-${conflict} button[value=server]`));
  assert.equal(await page.locator(`#conflict-${conflict}`).count(), 0, "the conflict is settled");

  // --- Scoring: from the navigation to the cycle's assessees, then Longhua's sheet.
  await submit(page, page.locator("header nav a[href='/ui/scoring']"));
  await submit(page, page.locator(`#scoring-cycles a[href='/ui/scoring/${cycle}']`));
  await page.screenshot({ path: `${shots}/scoring-list.png`, fullPage: true });
  await axe.check(page, "scoring-list");
  await submit(page, page.locator(`#scoring-assessees a[href='${sheetUrl}']`));
  const forms = page.locator("form.score-form");
  const n = await forms.count();
  assert.ok(n >= 5, `a form per item scored by hand (${n})`);
  // A wrong score is said beside its item, with what was typed.
  await forms.first().locator("input[name=score]").fill("abc");
  await forms.first().locator("select[name=method]").selectOption("spot_check");
  await submit(page, forms.first().locator("button[type=submit]"));
  assert.match(await page.locator("form.score-form ul.error").first().innerText(), /得分须为数字/);
  assert.equal(await forms.first().locator("input[name=score]").inputValue(), "abc");
  // Every item: a score, the method, a comment; the first with a photo as evidence.
  for (let i = 0; i < n; i++) {
    const f = page.locator("form.score-form").nth(i);
    await f.locator("input[name=score]").fill("0.5");
    await f.locator("select[name=method]").selectOption("document_review");
    await f.locator("textarea[name=comment]").fill(`第${i + 1}项已查阅资料`);
    if (i === 0 && (await f.locator("input[name=evidence]").count()) > 0) {
      await f.locator("input[name=evidence]").first().check();
    }
    await submit(page, f.locator("button[type=submit]"));
    assert.match(page.url(), new RegExp(`${sheetUrl}#item-`), "saved and back on the sheet");
  }
  assert.equal(await page.locator(".scoring-item .missing").count(), 0, "no item left unscored");
  await page.screenshot({ path: `${shots}/scoring-sheet.png`, fullPage: true });
  await axe.check(page, "scoring-sheet");
  await page.goto(`${base}/ui/scoring/${cycle}`);
  assert.equal(await page.getAttribute(`#scoring-assessees tr:has(a[href='${sheetUrl}'])`, "data-missing"), "0");

  // --- A commissioned evaluator lands on scoring and sees only its assessee.
  const evaluator = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const ev = await signIn(evaluator, "eval-browser", "/ui/", /\/ui\/scoring$/);
  await submit(ev, ev.locator(`#scoring-cycles a[href='/ui/scoring/${cycle}']`));
  assert.equal(await ev.locator("#scoring-assessees tbody tr").count(), 1, "only the commissioned assessee");
  assert.equal(await ev.locator(`a[href='/ui/scoring/${cycle}/${other}']`).count(), 0);
  assert.equal(await ev.locator("header nav a[href='/ui/queues']").count(), 0, "no review queues for evaluators");
  await ev.screenshot({ path: `${shots}/scoring-evaluator.png`, fullPage: true });
  await axe.check(ev, "scoring-evaluator");
  await submit(ev, ev.locator(`#scoring-assessees a[href='${sheetUrl}']`));
  const ef = ev.locator("form.score-form").first();
  await ef.locator("input[name=score]").fill("1");
  await ef.locator("select[name=method]").selectOption("onsite_inspection");
  await submit(ev, ef.locator("button[type=submit]"));
  assert.equal(await ev.locator(".scoring-item .current strong.score").first().innerText(), "1.0");

  // --- An office reviewer working for a unit paired with the district: refused, and told why.
  const paired = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const pp = await signIn(paired, "office-paired", sheetUrl, new RegExp(`${sheetUrl}$`));
  const pf = pp.locator("form.score-form").first();
  await pf.locator("input[name=score]").fill("1");
  await pf.locator("select[name=method]").selectOption("spot_check");
  await submit(pp, pf.locator("button[type=submit]"));
  assert.match(await pp.innerText("#refusal"), /利益冲突/);
  await pp.screenshot({ path: `${shots}/scoring-conflict-of-interest.png`, fullPage: true });
  await axe.check(pp, "scoring-conflict-of-interest");

  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  axe.assertClean();
  console.log("scoring pages: all checks passed");
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
