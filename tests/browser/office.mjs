// The office's pages in a real browser (Debian's Chromium through playwright-core), against the
// real server that tests/api/browser.rs started with demo data and seeded photos.
// Environment: BASE_URL, SHOTS (folder for screenshots), FOREIGN_HOUSEHOLD (a household outside
// Longhua district), OWN_HOUSEHOLD (one inside), CHROMIUM (default /usr/bin/chromium).
// Exits non-zero, with the reason, on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import assert from "node:assert/strict";
import { axeRecorder } from "./axe.mjs";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const foreign = process.env.FOREIGN_HOUSEHOLD;
const own = process.env.OWN_HOUSEHOLD;
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
  await page.goto(`${base}/ui/gallery`);
  assert.match(page.url(), /\/ui\/login\?next=/, "an anonymous visitor is sent to sign in");
  await axe.check(page, "login");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(/\/ui\/gallery/), page.click("button[type=submit]")]);
  return page;
}

try {
  // --- The office reviewer: filter, open, reject with a reason, see it land.
  const office = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await signIn(office, "office");
  const cookies = await office.cookies();
  const session = cookies.find((c) => c.name === "fc_session");
  assert.ok(session && session.httpOnly && session.sameSite === "Strict", "session cookie is HttpOnly, SameSite=Strict");
  await page.screenshot({ path: `${shots}/gallery.png`, fullPage: true });
  await axe.check(page, "gallery");
  // Counts per filter: the four seeded photos are all in Longhua.
  assert.match(await page.locator("select[name=district] option[value='460106']").innerText(), /\(4\)/);
  assert.match(await page.locator("select[name=district] option[value='460108']").innerText(), /\(0\)/);

  await page.selectOption("select[name=flag]", "no_gps");
  await Promise.all([page.waitForURL(/flag=no_gps/), page.click("form.filters button[type=submit]")]);
  const cards = page.locator("#gallery li.card");
  const n = await cards.count();
  assert.ok(n >= 1, "the no-GPS filter shows photos");
  for (let i = 0; i < n; i++) {
    assert.match(await cards.nth(i).innerText(), /无GPS/, "every photo shown carries the flag");
  }
  await page.screenshot({ path: `${shots}/gallery-no-gps.png`, fullPage: true });
  await axe.check(page, "gallery-no-gps");

  await Promise.all([page.waitForURL(/\/ui\/photos\//), cards.first().locator("a").first().click()]);
  const photoId = new URL(page.url()).pathname.split("/")[3];
  assert.equal(await page.getAttribute("#review-status", "data-status"), "pending");
  await page.waitForFunction(() => document.querySelector("img.screen")?.naturalWidth > 0);
  await page.screenshot({ path: `${shots}/photo.png`, fullPage: true });
  await axe.check(page, "photo");

  // Rejecting without a reason is stopped in the page.
  await page.click("#reject");
  assert.equal(await page.getAttribute("#review-status", "data-status"), "pending");
  // Keyboard: R to write the reason, Ctrl+Enter to send.
  await page.keyboard.press("Escape");
  await page.keyboard.press("r");
  await page.keyboard.type("照片无定位信息，无法确认拍摄地点");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Control+Enter")]);
  assert.equal(await page.getAttribute("#review-status", "data-status"), "rejected");
  assert.match(await page.innerText("#review-status"), /已退回 — 照片无定位信息/);
  await page.screenshot({ path: `${shots}/photo-rejected.png`, fullPage: true });
  await axe.check(page, "photo-rejected");

  // The decision is in the audit log, as the admin sees it through the API.
  const login = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "fieldcheck-demo", device_id: "browser-test" }),
  });
  const { access_token } = await login.json();
  const audit = await (
    await fetch(`${base}/audit?target_type=photo&target_id=${photoId}`, {
      headers: { authorization: `Bearer ${access_token}` },
    })
  ).json();
  const entry = audit.items.find((e) => e.action === "photo.reject");
  assert.ok(entry, `audit entry for ${photoId}: ${JSON.stringify(audit)}`);
  const details = typeof entry.details === "string" ? JSON.parse(entry.details) : entry.details;
  assert.equal(details.reason, "照片无定位信息，无法确认拍摄地点");
  assert.ok(entry.actor, "the audit entry names who decided");

  // The gallery shows the new status.
  await page.goto(`${base}/ui/gallery?review=rejected`);
  assert.ok((await page.locator(`#gallery a[href^="/ui/photos/${photoId}"]`).count()) === 1);

  // The map renders points with no tiles configured.
  await page.goto(`${base}/ui/map`);
  const points = await page.locator("svg#map circle").count();
  assert.ok(points > 10, `map points: ${points}`);
  assert.equal(await page.locator("svg#map image").count(), 0, "no tiles");
  await page.screenshot({ path: `${shots}/map.png`, fullPage: true });
  await axe.check(page, "map");

  // Household page and the cycle's progress page.
  await page.goto(`${base}/ui/households/${own}`);
  assert.match(await page.innerText("main"), /家庭成员/);
  const ids = await page.locator("td.mono").allInnerTexts();
  assert.ok(ids.some((t) => /^\d{6}\*{8}\d{3}[\dX]$/.test(t)), `ID numbers masked: ${ids}`);
  await page.screenshot({ path: `${shots}/household.png`, fullPage: true });
  await axe.check(page, "household");
  await page.goto(`${base}/ui/cycles`);
  await Promise.all([page.waitForURL(/\/ui\/cycles\/.+/), page.locator("main table a").first().click()]);
  assert.ok((await page.locator("#progress tbody tr").count()) > 1, "progress per village");
  await page.screenshot({ path: `${shots}/cycle.png`, fullPage: true });
  await axe.check(page, "cycle");

  // Downloads: the results workbook, and the evidence package of the district (saved for the
  // Rust side to open with an independent ZIP reader).
  const cycleUrl = new URL(page.url()).pathname;
  const xlsx = await page.request.get(`${base}${cycleUrl}/results.xlsx`);
  assert.equal(xlsx.status(), 200);
  assert.match(xlsx.headers()["content-type"], /spreadsheetml/);
  const zip = await page.request.get(`${base}/ui/evidence.zip?district=460106`);
  assert.equal(zip.status(), 200);
  assert.equal(zip.headers()["content-type"], "application/zip");
  writeFileSync(`${shots}/evidence.zip`, await zip.body());

  // Sign-out ends the session.
  await Promise.all([page.waitForURL(/\/ui\/login/), page.click("header form button")]);
  await page.goto(`${base}/ui/gallery`);
  assert.match(page.url(), /\/ui\/login/);

  // --- A district reviewer cannot open another district's household, by URL either.
  const district = await browser.newContext();
  const dpage = await signIn(district, "reviewer-longhua");
  const denied = await dpage.goto(`${base}/ui/households/${foreign}`);
  assert.equal(denied.status(), 404, "another district's household is not found");
  const allowed = await dpage.goto(`${base}/ui/households/${own}`);
  assert.equal(allowed.status(), 200);
  await dpage.screenshot({ path: `${shots}/district-household.png`, fullPage: true });
  await axe.check(dpage, "district-household");

  // --- A forged form (no CSRF token) changes nothing.
  const forged = await dpage.request.post(`${base}/ui/photos/${photoId}/review`, {
    form: { decision: "accept", csrf: "forged" },
  });
  assert.equal(forged.status(), 400);

  // A phone's refresh token is not a browser session.
  const phone = await (
    await fetch(`${base}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "office", password: "fieldcheck-demo", device_id: "phone" }),
    })
  ).json();
  const stolen = await browser.newContext();
  await stolen.addCookies([{ name: "fc_session", value: phone.refresh_token, url: `${base}/ui/` }]);
  const spage = await stolen.newPage();
  await spage.goto(`${base}/ui/gallery`);
  assert.match(spage.url(), /\/ui\/login/, "a refresh token does not open the pages");

  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  axe.assertClean();
  console.log("office pages: all checks passed");
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
