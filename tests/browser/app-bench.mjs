// The field app's benchmark (run by benches/app.rs, `./dev bench-app`): Debian's Chromium as a
// 360x640 touch phone with 4x CPU throttling, against the real server holding SCOPE households in
// inspector1's village. Environment: BASE_URL, SCOPE (households the pull must deliver), HEADS
// (head names of households to open, one per line), CHROMIUM (default /usr/bin/chromium).
// Prints one line per figure with its target, then `BENCH {json}`.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";

const base = process.env.BASE_URL;
const scope = Number(process.env.SCOPE);
const heads = process.env.HEADS.split("\n").filter(Boolean);
const THROTTLE = 4;

/** Bytes on the wire for `url`, as a phone's browser asks for it (compressed). */
function wireBytes(url) {
  const client = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    client
      .get(url, { headers: { "accept-encoding": "gzip, deflate, br, zstd" } }, (res) => {
        let n = 0;
        res.on("data", (c) => (n += c.length));
        res.on("end", () => resolve({ bytes: n, status: res.statusCode, encoding: res.headers["content-encoding"] || "identity" }));
      })
      .on("error", reject);
  });
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const context = await browser.newContext({
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: THROTTLE });

  // --- The app shell: what the service worker precaches, as the server sends it.
  const worker = await (await fetch(`${base}/app/sw.js`)).text();
  const precache = JSON.parse(worker.match(/const PRECACHE = (\[[^\]]*\]);/)[1]);
  assert.ok(precache.length > 5, `the precache list: ${precache}`);
  let shellBytes = 0;
  const encodings = new Set();
  for (const path of [...precache, "/app/sw.js"]) {
    const r = await wireBytes(new URL(path, base).href);
    assert.equal(r.status, 200, path);
    shellBytes += r.bytes;
    encodings.add(r.encoding);
  }

  // --- First sign-in and pull of the whole scope into IndexedDB.
  await page.goto(`${base}/app/`);
  await page.waitForSelector("form#login");
  await page.fill("#username", "inspector1");
  await page.fill("#password", "fieldcheck-demo");
  const started = Date.now();
  await page.click("form#login button[type=submit]");
  await page.waitForFunction(() => /上次同步/.test(document.querySelector("#last-sync")?.textContent || ""), null, {
    timeout: 300_000,
    polling: 50,
  });
  const firstSyncMs = Date.now() - started;
  // The phone holds the whole scope.
  const stored = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("fieldcheck-app");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const r = open.result.transaction("rec").objectStore("rec").index("entity").count("household");
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        };
      }),
  );
  assert.equal(stored, scope, `every household of the scope is on the phone (${stored} of ${scope})`);

  // --- Opening households: from the hash change to the page drawn (the next frame after the
  // household's page is in the document), measured in the page itself.
  const ids = await page.evaluate(async (names) => {
    const { tx, req } = await import("/app/js/db.js");
    const all = await tx("rec", "readonly", (s) => req(s.rec.index("entity").getAll("household")));
    return names.map((n) => all.find((r) => r.data.head_name === n)?.id);
  }, heads);
  assert.ok(ids.every(Boolean), "the households to open are on the phone");
  const openMs = [];
  for (const [i, id] of ids.entries()) {
    const ms = await page.evaluate(
      ({ id, head }) =>
        new Promise((resolve) => {
          const t0 = performance.now();
          const drawn = () => {
            const h1 = document.querySelector("#view h1");
            if (h1 && h1.textContent === head && document.querySelector("#view #members")) {
              requestAnimationFrame(() => resolve(performance.now() - t0));
            } else requestAnimationFrame(drawn);
          };
          location.hash = `#/h/${id}`;
          requestAnimationFrame(drawn);
        }),
      { id, head: heads[i] },
    );
    openMs.push(ms);
    // Back to the work list between households, as an inspector goes.
    await page.evaluate(() => (location.hash = "#/"));
    await page.waitForSelector("#last-sync");
  }

  const figures = {
    cpu_throttling: THROTTLE,
    households: scope,
    first_sync_ms: firstSyncMs,
    open_household_median_ms: Math.round(percentile(openMs, 50) * 10) / 10,
    open_household_p95_ms: Math.round(percentile(openMs, 95) * 10) / 10,
    open_household_max_ms: Math.round(Math.max(...openMs) * 10) / 10,
    shell_bytes: shellBytes,
    shell_files: precache.length + 1,
    shell_encodings: [...encodings].sort(),
  };
  const verdict = (ok) => (ok ? "within target" : "OVER TARGET");
  console.log(`first sign-in and pull of ${scope} households: ${(firstSyncMs / 1000).toFixed(1)} s (target < 15 s) ${verdict(firstSyncMs < 15000)}`);
  console.log(
    `opening a household: median ${figures.open_household_median_ms} ms, p95 ${figures.open_household_p95_ms} ms over ${openMs.length} (target < 100 ms) ${verdict(figures.open_household_p95_ms < 100)}`,
  );
  console.log(`app shell: ${(shellBytes / 1024).toFixed(1)} KiB in ${figures.shell_files} files, ${figures.shell_encodings.join("/")} (target < 300 KB) ${verdict(shellBytes < 300_000)}`);
  console.log(`BENCH ${JSON.stringify(figures)}`);
} finally {
  await browser.close();
}
