// The office's fieldwork pages in a real browser (Debian's Chromium through playwright-core),
// against the server tests/api/office_fieldwork.rs started with demo data: draw a sample with a
// chosen seed, verify it, see it on the map, assign one village to inspector1 and the rest to
// the survey team, move two to inspector2, read progress; then ask the API, as each field user,
// which households they were given. Environment: BASE_URL, SHOTS, CHROMIUM.
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

async function signIn(context, username, path) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${base}${path}`);
  assert.match(page.url(), /\/ui\/login\?next=/, "an anonymous visitor is sent to sign in");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(new RegExp(path)), page.click("button[type=submit]")]);
  return page;
}

async function api(username, path) {
  const login = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "fieldcheck-demo", device_id: "browser-test" }),
  });
  assert.equal(login.status, 200, `${username} signs in to the API`);
  const { access_token } = await login.json();
  const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${access_token}` } });
  assert.equal(r.status, 200, path);
  return r.json();
}

/// The value of the option of `select` whose text contains `text`.
async function optionFor(page, select, text) {
  return page.$eval(
    select,
    (s, t) => [...s.options].find((o) => o.textContent.includes(t))?.value,
    text,
  );
}

const sorted = (xs) => [...xs].sort();

try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await signIn(context, "office", "/ui/fieldwork");
  await page.screenshot({ path: `${shots}/fieldwork.png`, fullPage: true });
  await axe.check(page, "fieldwork");

  // The cycle, then the draw page: sizes per village before drawing, the seed chosen.
  await Promise.all([page.waitForURL(/\/ui\/fieldwork\/cycles\/[^/]+$/), page.click("#cycles tbody a")]);
  const cycleId = new URL(page.url()).pathname.split("/")[4];
  await Promise.all([page.waitForURL(/samples\/new/), page.click("a.button")]);
  await page.fill("#sample-name", "龙华区实地核查抽样");
  await page.selectOption("select[name=district]", "460106");
  await page.selectOption("select[name=rule]", "per_stratum");
  await page.fill("input[name=size]", "2");
  await page.fill("#seed", "20261125");
  await Promise.all([page.waitForURL(/seed=20261125/), page.click("#preview")]);
  assert.equal((await page.innerText("#shown-seed")).trim(), "20261125");
  const villages = await page.locator("#strata tbody tr:not(.total)").count();
  assert.ok(villages >= 2, "Longhua's villages are listed before drawing");
  const toDraw = Number(await page.innerText("#draw-total"));
  assert.equal(toDraw, villages * 2, "two households from each village of three");
  await page.screenshot({ path: `${shots}/fieldwork-draw.png`, fullPage: true });
  await axe.check(page, "fieldwork-draw");
  await Promise.all([page.waitForURL(/\/ui\/fieldwork\/samples\/[^/?]+$/), page.click("#draw")]);
  const sampleUrl = page.url();

  // The sample: its seed, its households on the map, its verification.
  assert.equal((await page.innerText("#seed")).trim(), "20261125");
  assert.equal(Number(await page.innerText("#drawn")), toDraw);
  assert.equal(await page.locator("#sample-map circle.sample").count(), toDraw);
  await page.screenshot({ path: `${shots}/fieldwork-sample.png`, fullPage: true });
  await axe.check(page, "fieldwork-sample");
  await Promise.all([page.waitForURL(/\/verify$/), page.click("#verify")]);
  assert.equal(await page.getAttribute("#verdict", "data-matches"), "true");
  await page.screenshot({ path: `${shots}/fieldwork-verify.png`, fullPage: true });
  await axe.check(page, "fieldwork-verify");
  await page.goto(sampleUrl);

  // One village to inspector1 ("select village" ticks its households).
  const fieldsets = page.locator("fieldset.village");
  const n = await fieldsets.count();
  const homesOf = async (i) =>
    fieldsets.nth(i).locator("input[name=household]").evaluateAll((xs) => xs.map((x) => x.value));
  const villageA = await homesOf(0);
  await fieldsets.nth(0).locator("input[data-select-stratum]").check();
  assert.equal(
    await fieldsets.nth(0).locator("input[name=household]:checked").count(),
    villageA.length,
    "select village ticks the village's households",
  );
  await page.selectOption("#assign-user", await optionFor(page, "#assign-user", "(inspector1)"));
  await page.selectOption("#assign-method", "on_site_verification");
  await page.fill("#due-on", "2027-01-05");
  await Promise.all([page.waitForURL(/assigned=/), page.click("#assign-submit")]);
  assert.match(await page.innerText("#notice"), new RegExp(`${villageA.length}`));

  // The rest to the survey team.
  let rest = [];
  for (let i = 1; i < n; i++) {
    rest = rest.concat(await homesOf(i));
    await fieldsets.nth(i).locator("input[data-select-stratum]").check();
  }
  await page.selectOption("#assign-user", await optionFor(page, "#assign-user", "(surveyor1)"));
  await page.selectOption("#assign-method", "sample_survey");
  await page.fill("#due-on", "2099-01-10");
  await Promise.all([page.waitForURL(/assigned=/), page.click("#assign-submit")]);
  assert.match(await page.innerText("#notice"), new RegExp(`${rest.length}`));

  // Two of the survey team's to inspector2, from the assignments page.
  await Promise.all([page.waitForURL(/\/assignments/), page.click(`nav.subnav a[href$="/assignments"]`)]);
  await page.selectOption("#filter-user", await optionFor(page, "#filter-user", "(surveyor1)"));
  await Promise.all([page.waitForURL(/user=/), page.click("#filter")]);
  const rows = page.locator("#assignments tbody tr");
  assert.equal(await rows.count(), rest.length);
  const moved = [];
  for (let i = 0; i < 2; i++) {
    moved.push(await rows.nth(i).getAttribute("data-target"));
    await rows.nth(i).locator("input[type=checkbox]").check();
  }
  await page.selectOption("#to-user", await optionFor(page, "#to-user", "(inspector2)"));
  await Promise.all([page.waitForURL(/moved=2/), page.click("#reassign")]);
  assert.equal(await page.locator("#assignments tbody tr").count(), 2, "inspector2's two are shown");
  await page.screenshot({ path: `${shots}/fieldwork-assignments.png`, fullPage: true });
  await axe.check(page, "fieldwork-assignments");

  // Progress per field user and village.
  await Promise.all([page.waitForURL(/\/progress$/), page.click(`nav.subnav a[href$="/progress"]`)]);
  const cell = async (code, col) =>
    Number(await page.innerText(`#progress-users tr[data-code="${code}"] td.${col}`));
  assert.equal(await cell("inspector1", "assigned"), villageA.length);
  assert.equal(await cell("inspector2", "assigned"), 2);
  assert.equal(await cell("surveyor1", "assigned"), rest.length - 2);
  assert.equal(await cell("surveyor1", "due"), rest.length - 2);
  assert.ok((await page.locator("#progress-villages a[href^='/ui/gallery?village=']").count()) >= n);
  await page.screenshot({ path: `${shots}/fieldwork-progress.png`, fullPage: true });
  await axe.check(page, "fieldwork-progress");

  // What each field user's API answers: exactly those households.
  const targets = async (user) =>
    sorted((await api(user, `/assignments?cycle_id=${cycleId}`)).items.map((a) => a.target_id));
  assert.deepEqual(await targets("inspector1"), sorted(villageA));
  assert.deepEqual(await targets("inspector2"), sorted(moved));
  assert.deepEqual(await targets("surveyor1"), sorted(rest.filter((h) => !moved.includes(h))));
  console.log(`inspector1 sees ${villageA.length}, inspector2 sees 2, surveyor1 sees ${rest.length - 2}`);

  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  axe.assertClean();
  console.log("all checks passed");
} finally {
  await browser.close();
}
