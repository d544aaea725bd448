// The office's raw data, charts and audit log in a real browser (Debian's Chromium through
// playwright-core), against the server tests/api/office_data.rs started with demo data and two
// survey responses. Environment: BASE_URL, SHOTS (folder for screenshots and the downloaded
// files, which the Rust test reads back), CYCLE, QUESTIONNAIRE, CHROMIUM.
// Exits non-zero, with the reason, on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";
import { axeRecorder } from "./axe.mjs";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const cycle = process.env.CYCLE;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const cspViolations = [];
// Accessibility of every page the script visits (tests/browser/axe.mjs).
const axe = axeRecorder();

async function signIn(context, username, start) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${base}${start}`);
  assert.match(page.url(), /\/ui\/login\?next=/, "an anonymous visitor is sent to sign in");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(new RegExp(start.replace(/[?]/g, "\\?"))), page.click("button[type=submit]")]);
  return page;
}

/** Clicks what starts a download and saves the file under SHOTS. */
async function download(page, click, name) {
  const [d] = await Promise.all([page.waitForEvent("download"), click()]);
  assert.equal(d.suggestedFilename(), name);
  await d.saveAs(`${shots}/${name}`);
}

try {
  // --- The office: the downloads, as an analyst would take them.
  const office = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  const page = await signIn(office, "office", "/ui/data");
  assert.ok(await page.locator("header nav a[href='/ui/data']").count(), "the navigation links the section");
  await page.selectOption("#r-cycle", cycle);
  await page.selectOption("#r-questionnaire", process.env.QUESTIONNAIRE);
  await page.screenshot({ path: `${shots}/data.png`, fullPage: true });
  await axe.check(page, "data");
  await download(page, () => page.click("#responses-form button[formaction$='responses.xlsx']"), "responses.xlsx");
  await download(page, () => page.click("#responses-form button[formaction$='responses.csv']"), "responses.csv");
  await download(page, () => page.click("form[action='/ui/data/visits.csv'] button"), "visits.csv");
  await page.selectOption("#p-review", "pending");
  await download(page, () => page.click("form[action='/ui/data/photos.csv'] button"), "photos.csv");

  // Charts: drawn on the server, each an accessible image.
  await Promise.all([page.waitForURL(/\/ui\/data\/charts/), page.click("a[href='/ui/data/charts']")]);
  const svgs = page.locator("svg.chart");
  assert.ok((await svgs.count()) >= 4, "the charts are drawn");
  for (let i = 0; i < (await svgs.count()); i++) {
    assert.ok(await svgs.nth(i).getAttribute("aria-label"), "every chart is labelled");
    assert.equal(await svgs.nth(i).getAttribute("role"), "img");
  }
  assert.ok((await page.locator("svg.chart rect[class^='series-']").count()) > 0, "the satisfaction bars");
  assert.ok((await page.locator("details.chart-data table th[scope=row]").count()) > 0, "the numbers as a table");
  await page.screenshot({ path: `${shots}/charts.png`, fullPage: true });
  await axe.check(page, "charts");
  assert.equal(await page.locator("header nav a[href='/ui/audit']").count(), 0, "the office has no audit log");
  await office.close();

  // --- The admin: the downloads are in the audit log, and the chain is intact.
  const admin = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const apage = await signIn(admin, "admin", "/ui/audit");
  await apage.fill("#audit-action", "data.export");
  await apage.fill("#audit-actor", "office");
  await Promise.all([apage.waitForURL(/action=data.export/), apage.click("form.filters button[type=submit]")]);
  const rows = apage.locator("table.audit tbody tr");
  assert.equal(await rows.count(), 4, "the four downloads are audited");
  const kinds = await apage.locator("table.audit tbody tr td:nth-child(5)").allInnerTexts();
  assert.deepEqual([...kinds].sort(), ["photo", "response", "response", "visit"]);
  await apage.screenshot({ path: `${shots}/audit.png`, fullPage: true });
  await axe.check(apage, "audit");
  await apage.fill("#audit-from", "2020-01-01");
  await Promise.all([apage.waitForURL(/from=2020-01-01/), apage.click("form.filters button[type=submit]")]);
  assert.equal(await rows.count(), 4, "a date range keeps them");
  await Promise.all([apage.waitForURL(/\/ui\/audit\/verify/), apage.click("form[action='/ui/audit/verify'] button")]);
  assert.match(await apage.locator("p.chain").innerText(), /哈希链完整/);
  await apage.screenshot({ path: `${shots}/audit-verify.png`, fullPage: true });
  await axe.check(apage, "audit-verify");

  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  axe.assertClean();
  console.log("data pages: all checks passed");
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
