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
  // Where the first sync's time goes: waiting for the server (each request from its start to the
  // answer's last byte) against everything else (the phone's parsing, storing and drawing).
  const waits = { login: 0, pull: 0, pulls: 0, other: 0 };
  page.on("requestfinished", (r) => {
    const t = r.timing();
    const path = new URL(r.url()).pathname;
    if (path === "/auth/login") waits.login += t.responseEnd;
    else if (path === "/sync/pull") {
      waits.pull += t.responseEnd;
      waits.pulls++;
    } else if (!path.startsWith("/app/")) waits.other += t.responseEnd;
  });
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
  // Where the main thread's time goes while opening (Chromium's own counters, in seconds).
  await cdp.send("Performance.enable");
  const counters = async () =>
    Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const before = await counters();
  // PROFILE=1: a CPU profile of the openings, its heaviest functions printed (for whoever works on
  // the figure; not part of the result).
  if (process.env.PROFILE) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
  }
  // When the new page is put into the document: what comes before is reading and building it,
  // what comes after is the browser's style, layout and paint.
  await page.evaluate(() => {
    const replace = Element.prototype.replaceChildren;
    Element.prototype.replaceChildren = function (...nodes) {
      if (this.id === "view") window.__shownAt = performance.now();
      return replace.apply(this, nodes);
    };
  });
  const openMs = [];
  const builtMs = [];
  const eventMs = [];
  for (const [i, id] of ids.entries()) {
    const { total: ms, untilShown, untilEvent } = await page.evaluate(
      ({ id, head }) =>
        new Promise((resolve) => {
          // Seen as soon as the page is in the document (a mutation observer), then timed to the
          // start of the frame that paints it.
          const view = document.getElementById("view");
          const there = () => view.querySelector("h1")?.textContent === head && view.querySelector("#members");
          const observer = new MutationObserver(() => {
            if (!there()) return;
            observer.disconnect();
            requestAnimationFrame(() => resolve({ total: performance.now() - t0, untilShown: (window.__shownAt ?? t0) - t0, untilEvent: (window.__hashAt ?? t0) - t0 }));
          });
          observer.observe(view, { childList: true, subtree: true });
          window.__shownAt = null;
          window.__hashAt = null;
          window.addEventListener("hashchange", () => (window.__hashAt = performance.now()), { once: true });
          const t0 = performance.now();
          location.hash = `#/h/${id}`;
        }),
      { id, head: heads[i] },
    );
    openMs.push(ms);
    builtMs.push(untilShown);
    eventMs.push(untilEvent);
    // Back to the work list between households, as an inspector goes.
    await page.evaluate(() => (location.hash = "#/"));
    await page.waitForSelector("#last-sync");
    // A person reads the list before the next tap; the page settles meanwhile (as on a phone).
    await new Promise((r) => setTimeout(r, 500));
  }

  const after = await counters();
  if (process.env.PROFILE) {
    const { profile } = await cdp.send("Profiler.stop");
    const self = new Map();
    const dt = new Map();
    profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) || 0) + (profile.timeDeltas[i] || 0)));
    for (const n of profile.nodes) {
      const f = n.callFrame;
      const name = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
      self.set(name, (self.get(name) || 0) + (dt.get(n.id) || 0));
    }
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [name, us] of top) console.log(`profile ${(us / 1000 / ids.length).toFixed(1)} ms/open  ${name}`);
  }
  const mainThread = Object.fromEntries(
    ["ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration"].map((k) => [k, Math.round(((after[k] - before[k]) * 1000) / ids.length)]),
  );
  // Of which reading the household's records from IndexedDB (the same one-transaction read the
  // page does), timed alone.
  const readMs = await page.evaluate(async (ids) => {
    const { householdBundle } = await import("/app/js/db.js");
    const out = [];
    for (const id of ids) {
      const t0 = performance.now();
      await householdBundle(id);
      out.push(performance.now() - t0);
    }
    return out;
  }, ids);

  const figures = {
    cpu_throttling: THROTTLE,
    households: scope,
    first_sync_ms: firstSyncMs,
    first_sync_waiting_for_login_ms: Math.round(waits.login),
    first_sync_waiting_for_pulls_ms: Math.round(waits.pull),
    first_sync_pull_requests: waits.pulls,
    open_household_median_ms: Math.round(percentile(openMs, 50) * 10) / 10,
    open_household_p95_ms: Math.round(percentile(openMs, 95) * 10) / 10,
    open_household_max_ms: Math.round(Math.max(...openMs) * 10) / 10,
    open_household_each_ms: openMs.map((x) => Math.round(x)),
    open_household_main_thread_ms_each: mainThread,
    open_household_until_in_document_median_ms: Math.round(percentile(builtMs, 50) * 10) / 10,
    open_household_until_hashchange_median_ms: Math.round(percentile(eventMs, 50) * 10) / 10,
    open_household_read_median_ms: Math.round(percentile(readMs, 50) * 10) / 10,
    shell_bytes: shellBytes,
    shell_files: precache.length + 1,
    shell_encodings: [...encodings].sort(),
  };
  const verdict = (ok) => (ok ? "within target" : "OVER TARGET");
  console.log(`first sign-in and pull of ${scope} households: ${(firstSyncMs / 1000).toFixed(1)} s (target < 15 s) ${verdict(firstSyncMs < 15000)}`);
  console.log(
    `  of which waiting for the server: sign-in ${(waits.login / 1000).toFixed(1)} s, ${waits.pulls} pull pages ${(waits.pull / 1000).toFixed(1)} s; the phone's own work ${((firstSyncMs - waits.login - waits.pull) / 1000).toFixed(1)} s`,
  );
  console.log(
    `opening a household: median ${figures.open_household_median_ms} ms, p95 ${figures.open_household_p95_ms} ms over ${openMs.length} (target < 100 ms) ${verdict(figures.open_household_p95_ms < 100)}`,
  );
  console.log(
    `  of which reading and building the page: median ${figures.open_household_until_in_document_median_ms} ms (reading its records from IndexedDB alone: ${figures.open_household_read_median_ms} ms); the rest is style, layout and the frame`,
  );
  console.log(`app shell: ${(shellBytes / 1024).toFixed(1)} KiB in ${figures.shell_files} files, ${figures.shell_encodings.join("/")} (target < 300 KB) ${verdict(shellBytes < 300_000)}`);
  console.log(`BENCH ${JSON.stringify(figures)}`);
} finally {
  await browser.close();
}
