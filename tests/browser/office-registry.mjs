// The registry import and the people pages in a real browser (Debian's Chromium through
// playwright-core), against the server tests/api/office_registry.rs started with demo data.
// Environment: BASE_URL, SHOTS (folder for screenshots), BAD_FILE (the demo's households as CSV
// with one bad row), FIXED_FILE (the same, fixed, as XLSX), VILLAGE_ID (village 460106001202),
// CHROMIUM (default /usr/bin/chromium). Exits non-zero, with the reason, on the first failure.
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

async function signIn(context, username, start) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${base}${start}`);
  assert.match(page.url(), /\/ui\/login\?next=/, "an anonymous visitor is sent to sign in");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "fieldcheck-demo");
  await Promise.all([page.waitForURL(new RegExp(start)), page.click("button[type=submit]")]);
  return page;
}

async function api(path, token, init = {}) {
  const r = await fetch(`${base}${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

async function login(username, password) {
  return api("/auth/login", null, {
    method: "POST",
    body: JSON.stringify({ username, password, device_id: "browser-test" }),
  });
}

async function count(token) {
  let n = 0;
  let cursor = null;
  do {
    const r = await api(`/households?limit=500${cursor ? `&cursor=${cursor}` : ""}`, token);
    assert.equal(r.status, 200);
    n += r.body.items.length;
    cursor = r.body.next_cursor;
  } while (cursor);
  return n;
}

try {
  // --- The office: a file with a bad row imports nothing; the fixed one imports; again, nothing changes.
  const officeToken = (await login("office", "fieldcheck-demo")).body.access_token;
  const before = await count(officeToken);
  const office = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await signIn(office, "office", "/ui/import");
  assert.ok(await page.locator("nav a[href='/ui/import']").count(), "the navigation links the import");
  await page.screenshot({ path: `${shots}/import-form.png`, fullPage: true });
  await axe.check(page, "import-form");

  await page.setInputFiles("#file", process.env.BAD_FILE);
  await Promise.all([page.waitForURL(/\/ui\/import\/preview/), page.click("#preview")]);
  assert.match(await page.innerText("#import-error"), /未导入任何数据/);
  const errors = page.locator("#import-errors tbody tr");
  assert.equal(await errors.count(), 1, "the one bad row is listed");
  assert.match(await errors.first().innerText(), /村代码/);
  assert.equal(await page.locator("#import").count(), 0, "no import button for a file with problems");
  await page.screenshot({ path: `${shots}/import-bad.png`, fullPage: true });
  await axe.check(page, "import-bad");
  assert.equal(await count(officeToken), before, "nothing was written");

  await page.setInputFiles("#file", process.env.FIXED_FILE);
  await Promise.all([page.waitForURL(/\/ui\/import\/preview/), page.click("#preview")]);
  assert.match(await page.innerText("#import-counts"), /户\s+3\s+0/);
  assert.equal(await page.locator("#import-households tbody tr").count(), 3);
  assert.match(await page.innerText("#import-households"), /HK-WEB-001\s+符\*\*/);
  await page.screenshot({ path: `${shots}/import-preview.png`, fullPage: true });
  await axe.check(page, "import-preview");
  assert.equal(await count(officeToken), before, "a preview writes nothing");

  await Promise.all([page.waitForURL(/\/ui\/import\?created=3/), page.click("#import")]);
  assert.match(await page.innerText("#import-done"), /导入完成/);
  await page.screenshot({ path: `${shots}/import-done.png`, fullPage: true });
  await axe.check(page, "import-done");
  assert.equal(await count(officeToken), before + 3, "three households imported");

  await page.setInputFiles("#file", process.env.FIXED_FILE);
  await Promise.all([page.waitForURL(/\/ui\/import\/preview/), page.click("#preview")]);
  assert.ok(await page.locator("#all-unchanged").count(), "the same file again changes nothing");
  await Promise.all([page.waitForURL(/\/ui\/import\?created=0&updated=0/), page.click("#import")]);
  assert.equal(await count(officeToken), before + 3);

  // Units and their responsible persons, linked from the import page.
  await page.goto(`${base}/ui/import`);
  await Promise.all([page.waitForURL(/\/ui\/units$/), page.click("a[href='/ui/units']")]);
  await page.fill("#add-unit input[name=name]", "海口市浏览器测试局");
  await page.selectOption("#add-unit select[name=kind]", "lead_unit");
  await Promise.all([page.waitForURL(/\/ui\/units$/), page.click("#create-unit")]);
  assert.ok(await page.locator("tr[data-unit='海口市浏览器测试局']").count(), "the new unit is listed");
  await page.screenshot({ path: `${shots}/units.png`, fullPage: true });
  await axe.check(page, "units");

  // --- The admin: add an inspector with a village, check their scope, disable them.
  const admin = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const people = await signIn(admin, "admin", "/ui/people");
  await people.screenshot({ path: `${shots}/people.png`, fullPage: true });
  await axe.check(people, "people");
  await people.fill("#add-user input[name=username]", "inspector7");
  await people.fill("#add-user input[name=display_name]", "核查员七");
  await people.fill("#add-user input[name=password]", "short");
  await people.selectOption("#add-user select[name=role]", "inspector");
  await people.check(`#add-user input[name=village][value='${process.env.VILLAGE_ID}']`);
  await Promise.all([people.waitForLoadState("load"), people.click("#create")]);
  assert.match(await people.innerText("#err-password"), /至少 10 个字符/, "a short password is refused in place");
  assert.equal(await people.inputValue("#add-user input[name=username]"), "inspector7", "the input is kept");
  await people.fill("#add-user input[name=password]", "inspector7-password");
  await Promise.all([people.waitForURL(/\/ui\/people$/), people.click("#create")]);
  const row = people.locator("tr[data-username=inspector7]");
  assert.match(await row.innerText(), /核查员七/);

  const seven = await login("inspector7", "inspector7-password");
  assert.equal(seven.status, 200, "the new inspector signs in");
  const theirs = await api("/households?limit=500", seven.body.access_token);
  // The village's three demo households and HK-WEB-002, imported above.
  assert.equal(theirs.body.items.length, 4, "the village's households");
  assert.ok(theirs.body.items.some((h) => h.registration_no === "HK-WEB-002"));
  assert.ok(theirs.body.items.every((h) => h.village_id === process.env.VILLAGE_ID));

  await Promise.all([people.waitForURL(/\/ui\/people\/[0-9a-f-]+$/), row.locator("a").click()]);
  await people.screenshot({ path: `${shots}/people-user.png`, fullPage: true });
  await axe.check(people, "people-user");
  await Promise.all([people.waitForURL(/done=saved/), people.click("#disable")]);
  assert.equal(await people.getAttribute("#status", "data-disabled"), "true");
  assert.notEqual((await login("inspector7", "inspector7-password")).status, 200, "a disabled user is refused");
  const gone = await api("/households", seven.body.access_token);
  assert.equal(gone.status, 401, "their token no longer works");

  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations");
  axe.assertClean();
  console.log("all checks passed");
} finally {
  await browser.close();
}
