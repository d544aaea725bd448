// The phone's storage: a small promise wrapper over IndexedDB (no library: four stores and a few
// queries do not pay for one, and the shell stays small).
//   kv      settings: device id, tokens, pull cursor, last sync
//   rec     every record the pull delivered or the phone created:
//           {key: "entity:id", entity, id, parent, data, state?, problem?, upload?}
//           parent is the record a screen looks it up by (a member's household, a measure's plan…)
//   outbox  mutations in the order they were made: {seq, mutation, state, problem?}
//   blobs   photo bytes kept until the server confirms it stored them: {id, blob, size, sha256}
const NAME = "fieldcheck-app";
const VERSION = 1;
let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("kv");
        const rec = db.createObjectStore("rec", { keyPath: "key" });
        rec.createIndex("entity", "entity");
        rec.createIndex("parent", ["entity", "parent"]);
        db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        db.createObjectStore("blobs", { keyPath: "id" });
      };
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => db.close();
        resolve(db);
      };
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

/** Resolves an IDBRequest. */
export function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/**
 * Runs `fn(stores)` in one transaction and resolves with its result once the transaction has
 * committed (a read-only one: once its reads have answered; there is nothing to commit, and
 * waiting for the completion event costs a screen a task on a slow phone). `fn` may await
 * requests of the transaction, nothing else (IndexedDB commits a transaction as soon as it has
 * no request pending).
 */
export async function tx(names, mode, fn) {
  const db = await open();
  const list = Array.isArray(names) ? names : [names];
  const t = db.transaction(list, mode);
  const stores = Object.fromEntries(list.map((n) => [n, t.objectStore(n)]));
  const done = new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error("transaction aborted"));
  });
  // Observed below, or the caller's own error is what matters.
  done.catch(() => {});
  let result;
  try {
    result = await fn(stores, t);
  } catch (e) {
    try {
      t.abort();
    } catch {
      /* already finished */
    }
    throw e;
  }
  if (mode !== "readonly") await done;
  return result;
}

export const get = (store, key) => tx(store, "readonly", (s) => req(s[store].get(key)));
export const put = (store, value, key) =>
  tx(store, "readwrite", (s) => req(key === undefined ? s[store].put(value) : s[store].put(value, key)));
export const del = (store, key) => tx(store, "readwrite", (s) => req(s[store].delete(key)));
export const all = (store) => tx(store, "readonly", (s) => req(s[store].getAll()));
export const count = (store) => tx(store, "readonly", (s) => req(s[store].count()));

export const kvGet = (key) => get("kv", key);
export const kvSet = (key, value) => put("kv", value, key);

/** Every record of an entity. */
export const records = (entity) =>
  tx("rec", "readonly", (s) => req(s.rec.index("entity").getAll(entity)));

/** The records of an entity that belong to `parent` (see the top of this file). */
export const children = (entity, parent) =>
  tx("rec", "readonly", (s) => req(s.rec.index("parent").getAll([entity, parent])));

export const record = (entity, id) => get("rec", `${entity}:${id}`);

/**
 * Everything a household's page shows, read in one transaction with every request asked for at
 * once (a transaction per read costs more than the reads on a slow phone). Null when the
 * household is not on the phone.
 */
export function householdBundle(id) {
  return tx(["rec", "kv"], "readonly", async (s) => {
    const household = await req(s.rec.get(`household:${id}`));
    if (!household) return null;
    const below = (entity) => req(s.rec.index("parent").getAll([entity, id]));
    const ofEntity = (entity) => req(s.rec.index("entity").getAll(entity));
    const [members, plans, visits, photos, responses, village, assignments, questionnaires, session] = await Promise.all([
      below("member"),
      below("plan"),
      below("visit"),
      below("photo"),
      below("response"),
      req(s.rec.get(`place:${household.data.village_id}`)),
      ofEntity("assignment"),
      ofEntity("questionnaire"),
      req(s.kv.get("session")),
    ]);
    const measures = await Promise.all(plans.map((p) => req(s.rec.index("parent").getAll(["measure", p.id]))));
    return {
      household,
      members,
      plans,
      measuresByPlan: new Map(plans.map((p, i) => [p.id, measures[i]])),
      visits,
      photos,
      responses,
      village,
      assignments,
      questionnaires,
      session,
    };
  });
}

/** What a record is filed under, for the `parent` index. */
export function parentOf(entity, data) {
  if (!data) return undefined;
  switch (entity) {
    case "household":
      return data.village_id ?? undefined;
    case "member":
    case "plan":
    case "visit":
    case "photo":
    case "response":
      return data.household_id ?? undefined;
    case "measure":
      return data.plan_id ?? undefined;
    case "assignment":
      return data.target_id ?? undefined;
    case "place":
      return data.parent_id ?? undefined;
    default:
      return undefined;
  }
}

/** Drops every store's content but the device id (after sign-out with nothing unsent). */
export async function clearData() {
  await tx(["rec", "outbox", "blobs", "kv"], "readwrite", async (s) => {
    const device = await req(s.kv.get("device_id"));
    s.rec.clear();
    s.outbox.clear();
    s.blobs.clear();
    s.kv.clear();
    if (device) s.kv.put(device, "device_id");
  });
}
