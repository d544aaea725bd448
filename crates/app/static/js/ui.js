// Small DOM helpers: elements are built with properties and text nodes, never from HTML strings,
// so nothing from the server or the user can become markup.
import { T } from "./i18n.js";

/** h("a", {href: "#/"}, "text", child…) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A record's sync state as a chip (only for records this phone created or sent). */
export function stateChip(rec) {
  if (!rec?.state) return null;
  let state = rec.state;
  if (rec.entity === "photo" && (state === "accepted" || state === "conflict")) {
    if (rec.data?.status === "stored") state = "stored";
    else if (rec.upload?.failed) state = "failed";
    else state = "uploading";
  }
  return h("span", { class: `chip ${state}`, dataset: { state } }, T.state[state] || state);
}

export function chip(text, kind = "plain") {
  return h("span", { class: `chip ${kind}` }, text);
}

let pendingUrls = [];
let shownUrls = [];

/** A `blob:` URL for a stored photo, released when the view is replaced. */
export function blobUrl(blob) {
  const u = URL.createObjectURL(blob);
  pendingUrls.push(u);
  return u;
}

/**
 * Replaces the main view. On a new screen (`fresh`) the focus moves to its heading, so screen
 * readers announce it; a refresh of the same screen (new data arrived) keeps focus and scroll.
 */
export function show(children, fresh = true) {
  const main = document.getElementById("view");
  const old = shownUrls;
  shownUrls = pendingUrls;
  pendingUrls = [];
  const y = window.scrollY;
  main.replaceChildren(...[children].flat(Infinity).filter(Boolean));
  for (const u of old) URL.revokeObjectURL(u);
  if (fresh) {
    const h1 = main.querySelector("h1");
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  } else {
    window.scrollTo(0, y);
  }
}
