// The field app's service worker: precaches the app shell under a version (the server writes the
// SHA-256 of the embedded files and the file list into this script as it serves it), serves the
// shell from that cache, also offline, and never touches anything outside /app/: API answers
// (/auth, /sync, /photos) always go to the network and are never cached.
const VERSION = "__FIELDCHECK_APP_VERSION__";
const PRECACHE = /*__FIELDCHECK_APP_PRECACHE__*/[];
const PREFIX = "fieldcheck-app-";
const CACHE = PREFIX + VERSION;
const SHELL = "/app/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Bypass the HTTP cache: the files must be exactly this version's.
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SHELL)) return;
  if (url.pathname === SHELL + "sw.js") return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      if (req.mode === "navigate") {
        // Every page of the app is the one shell (routes live in the URL's fragment).
        const shell = await cache.match(SHELL);
        if (shell) return shell;
        return fetch(req);
      }
      const hit = await cache.match(req, { ignoreSearch: true });
      return hit || fetch(req);
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "version" && event.source) event.source.postMessage({ version: VERSION });
});
