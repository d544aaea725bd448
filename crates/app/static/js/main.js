// The field app's entry: registers the service worker, routes between screens (in the URL's
// fragment, so every screen is the one cached shell), keeps the header's connection state and
// sync button current, and syncs by itself when the phone comes back online.
import { T } from "./i18n.js";
import { h } from "./ui.js";
import { session, SignInNeeded, Offline, Problem } from "./api.js";
import { events, sync, pending, isSyncing, net } from "./sync.js";
import { loginView, workView, villageView, householdView, visitView, syncView, meView } from "./views.js";
import { surveyView } from "./survey-view.js";
import { editView } from "./edit-view.js";
import { fmtProblem } from "./i18n.js";

const routes = [
  [/^#?\/?$/, "work", () => workView],
  [/^#\/village\/([\w-]+)$/, "work", () => villageView],
  [/^#\/h\/([\w-]+)$/, "work", () => householdView],
  [/^#\/visit\/([\w-]+)(?:\/([\w-]+))?$/, "work", () => visitView, { form: true }],
  [/^#\/survey\/([\w-]+)(?:\/([\w-]+))?$/, "work", () => surveyView, { form: true }],
  [/^#\/edit\/([\w-]+)$/, "work", () => editView, { form: true }],
  [/^#\/sync$/, "sync", () => syncView],
  [/^#\/me$/, "me", () => meView],
  [/^#\/login$/, null, () => loginView, { form: true }],
];

let current = null;

// Screens render one at a time, in order: a slow redraw of the household that finished after
// the inspector had already opened the visit form would otherwise replace the form.
let queue = Promise.resolve();
function serially(fn) {
  const run = queue.then(fn);
  queue = run.catch(() => {});
  return run;
}

const route = (fresh = true) => serially(() => routeNow(fresh));

async function routeNow(fresh) {
  const s = await session();
  const tabs = document.getElementById("tabs");
  const hash = location.hash || "#/";
  if (!s?.user && hash !== "#/login") {
    tabs.hidden = true;
    document.getElementById("sync").hidden = true;
    current = { render: loginView, args: [], form: true };
    return loginView(fresh);
  }
  tabs.hidden = false;
  document.getElementById("sync").hidden = false;
  for (const [re, tab, view, opts] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    for (const a of tabs.querySelectorAll("a")) {
      if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    current = { render: view(), args: m.slice(1), form: !!opts?.form };
    await current.render(...current.args, fresh);
    return;
  }
  location.hash = "#/";
}

/** New data arrived: redraw the screen unless the inspector is filling a form on it. */
let redrawing = null;
function redraw() {
  if (!current || current.form || redrawing) return;
  redrawing = setTimeout(() => {
    redrawing = null;
    serially(async () => {
      // Checked again: the inspector may have opened a form meanwhile.
      if (current && !current.form) await current.render(...current.args, false);
    });
  }, 150);
}

async function updateBar() {
  const online = navigator.onLine && net.reachable;
  const badge = document.getElementById("net");
  badge.textContent = online ? T.online : T.offline;
  badge.classList.toggle("offline", !online);
  const p = await pending();
  const n = p.mutations + p.photos;
  const button = document.getElementById("sync");
  button.textContent = isSyncing() ? T.syncing : n ? `${T.sync}（${n}）` : T.sync;
  button.disabled = isSyncing() || !navigator.onLine;
  button.setAttribute("aria-label", n ? `${T.sync}，${T.outboxCount(n)}` : T.sync);
}

function banner(text, action) {
  const b = document.getElementById("banner");
  if (!text) {
    b.hidden = true;
    b.replaceChildren();
    return;
  }
  b.replaceChildren(h("span", {}, text), action || "");
  b.hidden = false;
}

function explain(error) {
  if (error instanceof SignInNeeded) return T.signInAgain;
  if (error instanceof Offline) return T.syncFailed(T.networkError);
  if (error instanceof Problem) return T.syncFailed(fmtProblem(error.body) || error.code);
  return T.syncFailed(error?.message || String(error));
}

function onProgress(ev) {
  const d = ev.detail;
  const status = document.getElementById("sync-status");
  let text = null;
  if (d.phase === "start") banner(null);
  if (d.phase === "push") text = T.pushing(d.count);
  if (d.phase === "upload") text = T.uploadingPhotos(d.index, d.total);
  if (d.phase === "pull") text = T.pulling(d.received);
  if (d.phase === "done") text = T.syncDone;
  if (["push", "upload", "pull"].includes(d.phase)) banner(text);
  if (d.phase === "done") banner(null);
  if (d.phase === "error") {
    text = explain(d.error);
    if (d.error instanceof SignInNeeded) {
      banner(text, h("a", { href: "#/login", class: "button secondary" }, T.signIn));
    } else if (d.error instanceof Offline) {
      banner(null);
    } else {
      banner(text);
    }
  }
  if (text && status) status.textContent = text;
  if (d.phase === "upload-progress" && current?.render === syncView) redraw();
  updateBar();
}

/**
 * Syncs when signed in and online; failures are shown, never thrown. While the server cannot be
 * reached and work waits, it tries again, less and less often (15 s up to 5 min): the `online`
 * event does not fire when a weak signal comes back without the phone noticing a change. Only
 * its own retries back off: a new record saved starts again from 15 s.
 */
let retry = null;
let retryDelay = 15000;
async function autoSync(isRetry = false) {
  clearTimeout(retry);
  if (!isRetry) retryDelay = 15000;
  const s = await session();
  if (!s?.refresh_token || !navigator.onLine) return;
  try {
    await sync();
    retryDelay = 15000;
  } catch (e) {
    const p = await pending();
    if (e instanceof Offline && p.mutations + p.photos > 0) {
      retry = setTimeout(() => autoSync(true), retryDelay);
      retryDelay = Math.min(retryDelay * 2, 300000);
    }
  }
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app/", type: "classic" }).catch(() => {});
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // A new version took over: offer to reopen (never reload under the inspector's fingers).
    if (hadController) banner(T.updateReady, h("button", { type: "button", class: "secondary", onclick: () => location.reload() }, T.reload));
  });
}

async function boot() {
  registerWorker();
  document.getElementById("sync").addEventListener("click", () => sync().catch(() => {}));
  window.addEventListener("hashchange", () => route(true));
  window.addEventListener("online", () => {
    net.reachable = true;
    retryDelay = 15000;
    updateBar();
    autoSync();
  });
  window.addEventListener("offline", updateBar);
  window.addEventListener("fieldcheck:saved", () => autoSync());
  events.addEventListener("changed", () => {
    redraw();
    updateBar();
  });
  events.addEventListener("progress", onProgress);
  const s = await session();
  if (s?.user && !s.refresh_token) banner(T.signInAgain, h("a", { href: "#/login", class: "button secondary" }, T.signIn));
  await route(true);
  await updateBar();
  autoSync();
  document.documentElement.dataset.ready = "true";
}

boot();
