// The field app in a real browser (Debian's Chromium through playwright-core) emulating a
// 360x640 touch phone, against the real server that tests/api/app.rs started with demo data and
// two assignments for inspector1.
// Environment: BASE_URL, SHOTS (folder for screenshots), HOUSEHOLD (the assigned household's id),
// HEAD_NAME (its head's name), LAT/LON (its position: the phone's position), PHOTOS (two photo
// files, one per line: the camera's pictures), CHROMIUM (default /usr/bin/chromium).
// Prints `RESULT {"visit": id, "photos": [ids]}` for the Rust side, which checks the server.
// Exits non-zero, with the reason, on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const household = process.env.HOUSEHOLD;
const headName = process.env.HEAD_NAME;
const latitude = Number(process.env.LAT);
const longitude = Number(process.env.LON);
const photos = process.env.PHOTOS.split("\n").filter(Boolean);
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const problems = [];
const foreignRequests = [];

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
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy|Uncaught|TypeError|ReferenceError/i.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));

  // --- Online: open /app (redirected into the worker's scope), sign in, pull.
  const first = await page.goto(`${base}/app`);
  assert.equal(first.status(), 200);
  assert.equal(new URL(page.url()).pathname, "/app/");
  const csp = first.headers()["content-security-policy"];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  await page.waitForSelector("form#login");
  await page.screenshot({ path: `${shots}/app-login.png` });
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
  assert.equal(tasks.length, 2, `two assignments: ${tasks}`);
  assert.match(tasks[0], new RegExp(headName), "the household due first comes first");
  assert.match(tasks[0], /2027-01-05/);
  assert.match(tasks[1], /全村/);
  assert.match(await page.innerText("#villages"), /已走访 0\/\d+ 户/);
  // The device id is kept and sent: the same one after a reload.
  const device = await page.evaluate(() => localStorage.getItem("fieldcheck.device_id"));
  assert.match(device, /^web-[0-9a-f-]{36}$/);

  // The service worker has installed the shell and controls the page.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
  const persisted = await page.evaluate(() => navigator.storage.persisted());
  await page.screenshot({ path: `${shots}/app-work.png`, fullPage: true });

  // Search by head's name reaches the household; its page shows members with masked ids.
  await page.fill("#search", headName);
  await page.locator(`#search-results a[data-household="${household}"]`).click();
  await page.waitForSelector("#members");
  const ids = await page.locator("#members td.mono").allInnerTexts();
  assert.ok(ids.length >= 1 && ids.every((t) => /^\d{6}\*{8}\d{3}[\dX]$/.test(t)), `ID numbers masked: ${ids}`);
  assert.ok((await page.locator("[data-plan]").count()) >= 1, "the plan is shown");
  await page.screenshot({ path: `${shots}/app-household.png`, fullPage: true });

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

  // The outbox: the visit and two photo records, in order; the photos' bytes wait too.
  await page.locator("#tabs a[data-tab=sync]").tap();
  await page.waitForSelector("#outbox");
  assert.equal(await page.locator("#outbox li").count(), 3);
  assert.equal(await page.locator("#photo-queue li").count(), 2);
  assert.match(await page.innerText("#sync-status"), /离线/);
  await page.screenshot({ path: `${shots}/app-sync-offline.png`, fullPage: true });

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
  await page.screenshot({ path: `${shots}/app-synced.png`, fullPage: true });

  // Storage: persistence asked for, the estimate shown.
  await page.locator("#tabs a[data-tab=me]").tap();
  await page.waitForSelector("#storage");
  assert.match(await page.innerText("#storage"), /已用 .+，可用约/);
  assert.equal(await page.innerText("#device-id"), device);
  await page.screenshot({ path: `${shots}/app-me.png`, fullPage: true });

  assert.deepEqual(problems, [], "no script errors and no Content-Security-Policy violations");
  assert.deepEqual(foreignRequests, [], "no request leaves this server");
  console.log(`storage persisted: ${persisted}`);
  console.log(`RESULT ${JSON.stringify({ visit, photos: photoIds })}`);
  console.log("field app: all checks passed");
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
