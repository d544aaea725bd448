// The outbox and the sync round (api-spec/sync.md): push the outbox in order, in batches, until
// every mutation is acknowledged; then upload the photos' bytes in chunks, resuming from the
// server's offset; then pull until caught up. Every step leaves the phone's storage consistent,
// so a sync cut off anywhere (signal lost, tab closed) simply continues next time.
import { tx, req, kvGet, kvSet, all, get, parentOf } from "./db.js";
import { json, request, problemOf, Offline } from "./api.js";
import { uuidv7 } from "./uuid.js";

export const events = new EventTarget();
/**
 * Whether the server answered the last time it was asked. `navigator.onLine` only says a
 * network is there (and is not always right); this says the server was reached.
 */
export const net = { reachable: true };
const emit = (detail) => events.dispatchEvent(new CustomEvent("progress", { detail }));
export const changed = () => events.dispatchEvent(new Event("changed"));

const PUSH_BATCH = 200;
const PULL_LIMIT = 1000; // the server's largest page: fewer round trips on a first sync
const CHUNK = 512 * 1024;
/** Notes longer than this are refused by the server. */
export const NOTES_MAX = 4000;

/** Upload progress of the photos in this session, by photo id: {sent, size}. */
export const uploads = new Map();

/** A mutation as the server expects it. */
function mutation(entity, op, recordId, fields, baseVersion) {
  const m = {
    mutation_id: uuidv7(),
    entity,
    op,
    record_id: recordId,
    device_time: new Date().toISOString(),
    fields,
  };
  if (baseVersion !== undefined) m.base_version = baseVersion;
  return m;
}

/** The visit's notes as the server takes them: lines trimmed, empty lines dropped. */
export function cleanNotes(text) {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");
}

/**
 * Saves a visit and its photos on the phone, in one transaction: the records, the photos' bytes
 * and the mutations in the outbox (the visit first, so the photos can name it).
 */
export async function saveVisit({ householdId, checklist, notes, location, startedAt, photos, correct }) {
  const visitId = correct?.id || uuidv7();
  // A correction of a visit sent back is an update of the fields a device may change.
  const fields = correct ? { checklist } : { household_id: householdId, started_at: startedAt, checklist };
  const text = cleanNotes(notes || "");
  if (text) fields.notes = text;
  if (location) fields.location = location;
  const muts = [correct ? mutation("visit", "update", visitId, fields, correct.data.version) : mutation("visit", "create", visitId, fields)];
  const photoRecs = photos.map((p) => {
    const f = { household_id: householdId, visit_id: visitId, sha256: p.sha256, taken_at: p.takenAt };
    if (p.measureId) f.measure_id = p.measureId;
    if (p.location) f.location = p.location;
    muts.push(mutation("photo", "create", p.id, f));
    return { id: p.id, data: { id: p.id, ...f, status: "waiting_upload" }, blob: p.blob, locationNote: p.locationNote };
  });
  const data = { ...(correct?.data || {}), id: visitId, ...fields, status: "submitted" };
  await tx(["rec", "outbox", "blobs"], "readwrite", async (s) => {
    s.rec.put({ key: `visit:${visitId}`, entity: "visit", id: visitId, parent: householdId, data, state: "saved" });
    for (const p of photoRecs) {
      s.rec.put({
        key: `photo:${p.id}`,
        entity: "photo",
        id: p.id,
        parent: householdId,
        data: p.data,
        state: "saved",
        locationNote: p.locationNote,
      });
      s.blobs.put({ id: p.id, blob: p.blob, size: p.blob.size, sha256: p.data.sha256, type: p.blob.type });
    }
    for (const m of muts) await enqueue(s, m);
  });
  changed();
  return visitId;
}

/**
 * Queues a mutation in an open transaction, folding it into a waiting one for the same record
 * (sync.md: one pending update per record, or the second would conflict with the first). A
 * waiting entry is any not in flight. One that was sent before without an answer may have been
 * applied, so the folded mutation gets a new id: were the first applied, the fields it carried
 * now equal the server's (no conflict), and only a field changed twice conflicts, visibly, just
 * as two separate mutations would.
 */
async function enqueue(s, m) {
  const key = `${m.entity}:${m.record_id}`;
  const entries = await req(s.outbox.getAll());
  // A response's create and update do the same (store these answers under this id).
  const sameKind = (e) => m.entity === "response" || (e.mutation.op === "create") === (m.op === "create");
  const waiting = entries.find((e) => e.key === key && sameKind(e) && (e.state === "pending" || e.state === "rejected"));
  if (waiting) {
    const fields = m.entity === "response" ? m.fields : { ...waiting.mutation.fields, ...m.fields };
    const mutation = { ...waiting.mutation, fields, device_time: m.device_time };
    if (waiting.sentOnce) mutation.mutation_id = m.mutation_id;
    s.outbox.put({ ...waiting, mutation, state: "pending", problem: undefined, sentOnce: false });
    return;
  }
  s.outbox.add({ mutation: m, state: "pending", key });
}

/**
 * Saves an edit of a record the pull delivered (a household's phone, address and location; a
 * measure's status) on the phone: the record shows the new values at once, and one update
 * mutation per record waits in the outbox with the version the edit was based on.
 */
export async function saveEdit(entity, id, fields) {
  await tx(["rec", "outbox"], "readwrite", async (s) => {
    const r = await req(s.rec.get(`${entity}:${id}`));
    if (!r) throw new Error(`${entity} ${id} is not on the phone`);
    // The version the phone saw before its first unsent edit: a later edit of the same record
    // folds into that mutation and keeps its base.
    const base = r.baseVersion ?? r.data.version;
    await enqueue(s, mutation(entity, "update", id, fields, base));
    s.rec.put({ ...r, data: { ...r.data, ...fields }, state: "saved", problem: undefined, baseVersion: base });
  });
  changed();
}

/**
 * Saves a satisfaction survey's answers on the phone: the response record and a `response`
 * mutation (a create, or an update of a response a reviewer returned or the server refused).
 */
export async function saveResponse({ responseId, cycleId, questionnaireId, householdId, answers, correction }) {
  const id = responseId || uuidv7();
  const fields = { cycle_id: cycleId, questionnaire_id: questionnaireId, household_id: householdId, answers };
  await tx(["rec", "outbox"], "readwrite", async (s) => {
    const old = await req(s.rec.get(`response:${id}`));
    await enqueue(s, mutation("response", correction ? "update" : "create", id, fields));
    const data = { ...(old?.data || {}), id, ...fields, status: "submitted" };
    s.rec.put({ key: `response:${id}`, entity: "response", id, parent: householdId, data, state: "saved" });
  });
  changed();
  return id;
}

/** What waits to be sent: mutations (not rejected) and photos' bytes. */
export async function pending() {
  const outbox = await all("outbox");
  const blobs = await tx("blobs", "readonly", (s) => req(s.blobs.getAllKeys()));
  return {
    outbox,
    mutations: outbox.filter((e) => e.state !== "rejected").length,
    rejected: outbox.filter((e) => e.state === "rejected").length,
    photos: blobs.length,
  };
}

let running = null;

/** One sync round; a second call while one runs joins it. */
export function sync() {
  if (!running) {
    running = (async () => {
      emit({ phase: "start" });
      try {
        await push();
        await uploadPhotos();
        await pull();
        await kvSet("last_sync", new Date().toISOString());
        net.reachable = true;
        emit({ phase: "done" });
      } catch (error) {
        if (error instanceof Offline) net.reachable = false;
        emit({ phase: "error", error });
        throw error;
      } finally {
        changed();
      }
    })().finally(() => {
      running = null;
    });
  }
  return running;
}

export const isSyncing = () => running !== null;

/** Pushes the outbox, oldest first, until every mutation not rejected has an answer. */
async function push() {
  for (;;) {
    const batch = (await all("outbox")).filter((e) => e.state !== "rejected").slice(0, PUSH_BATCH);
    if (!batch.length) return;
    emit({ phase: "push", count: batch.length });
    await tx(["outbox", "rec"], "readwrite", async (s) => {
      for (const e of batch) {
        s.outbox.put({ ...e, state: "sent", sentOnce: true });
        const r = await req(s.rec.get(e.key));
        if (r && r.state === "saved") s.rec.put({ ...r, state: "sent" });
      }
    });
    changed();
    // An answer lost on the way is no harm: the same mutation ids are sent again next time and
    // the server answers `duplicate` for those it applied.
    let results;
    try {
      ({ results } = await json("/sync/push", {
        sent_at: new Date().toISOString(),
        mutations: batch.map((e) => e.mutation),
      }));
    } catch (error) {
      // No answer: shown as saved on the phone again (resending is harmless either way).
      await tx(["outbox", "rec"], "readwrite", async (s) => {
        for (const e of batch) {
          const cur = await req(s.outbox.get(e.seq));
          if (cur && cur.state === "sent") s.outbox.put({ ...cur, state: "pending" });
          const r = await req(s.rec.get(e.key));
          if (r && r.state === "sent") s.rec.put({ ...r, state: "saved" });
        }
      });
      throw error;
    }
    let answered = 0;
    await tx(["outbox", "rec"], "readwrite", async (s) => {
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i];
        let res = results[i];
        if (!res || res.mutation_id !== e.mutation.mutation_id) continue;
        answered++;
        if (res.status === "duplicate") res = res.original || { status: "applied" };
        const r = await req(s.rec.get(e.key));
        if (res.status === "applied" || res.status === "conflict") {
          s.outbox.delete(e.seq);
          if (r) {
            const data = res.record ? { ...r.data, ...res.record } : r.data;
            s.rec.put({
              ...r,
              data,
              parent: parentOf(r.entity, data) ?? r.parent,
              state: res.status === "applied" ? "accepted" : "conflict",
              // What the phone had sent for the fields the server kept, to show beside them.
              problem:
                res.status === "conflict"
                  ? { code: "conflict", fields: res.fields || [], device: Object.fromEntries((res.fields || []).map((f) => [f, e.mutation.fields?.[f]])) }
                  : undefined,
              baseVersion: undefined,
            });
          }
        } else {
          const problem = { code: res.code, detail: res.detail, errors: res.errors || [] };
          s.outbox.put({ ...e, state: "rejected", problem });
          if (r) s.rec.put({ ...r, state: "rejected", problem });
        }
      }
    });
    changed();
    // Answers that do not match what was sent: stop rather than send the same batch forever.
    if (answered < batch.length) throw new Error("push answer does not match the batch");
  }
}

/** Puts a rejected mutation back in the queue (after the cause was fixed). */
export async function resend(seq) {
  await tx(["outbox", "rec"], "readwrite", async (s) => {
    const e = await req(s.outbox.get(seq));
    if (!e) return;
    s.outbox.put({ ...e, state: "pending", problem: undefined });
    const r = await req(s.rec.get(e.key));
    if (r) s.rec.put({ ...r, state: "saved", problem: undefined });
  });
  changed();
}

/** Drops a rejected mutation (and, for a photo, its bytes): it will never be sent. */
export async function discard(seq) {
  await tx(["outbox", "rec", "blobs"], "readwrite", async (s) => {
    const e = await req(s.outbox.get(seq));
    if (!e) return;
    s.outbox.delete(seq);
    s.rec.delete(e.key);
    if (e.mutation.entity === "photo") s.blobs.delete(e.mutation.record_id);
  });
  changed();
}

/** Uploads every photo whose record the server has accepted, resuming where it stopped. */
async function uploadPhotos() {
  const blobs = await all("blobs");
  let i = 0;
  for (const b of blobs) {
    i++;
    const r = await get("rec", `photo:${b.id}`);
    if (!r || (r.state !== "accepted" && r.state !== "conflict")) continue;
    emit({ phase: "upload", index: i, total: blobs.length });
    await uploadOne(b);
  }
}

async function offsetOnServer(url) {
  const res = await request(url, { method: "HEAD" });
  if (res.status === 404) return null;
  if (!res.ok) throw await problemOf(res);
  return Number(res.headers.get("upload-offset") || 0);
}

async function uploadOne(b) {
  const url = `/photos/${b.id}/content`;
  // Ask first: after a dropped connection or a reload the server knows best what it holds.
  let offset = await offsetOnServer(url);
  if (offset === null) return; // the record is not there (yet): the next round retries
  for (;;) {
    uploads.set(b.id, { sent: offset, size: b.size });
    emit({ phase: "upload-progress", id: b.id, sent: offset, size: b.size });
    const chunk = b.blob.slice(offset, Math.min(offset + CHUNK, b.size));
    const res = await request(url, {
      method: "PATCH",
      headers: {
        "upload-offset": String(offset),
        "upload-length": String(b.size),
        "content-type": "application/offset+octet-stream",
      },
      body: chunk,
    });
    if (res.status === 204) {
      offset = Number(res.headers.get("upload-offset"));
      continue;
    }
    if (res.status === 409) {
      const told = res.headers.get("upload-offset");
      offset = told !== null ? Number(told) : await offsetOnServer(url);
      if (offset === null) return;
      continue;
    }
    if (res.status === 200 || res.status === 201) {
      const photo = await res.json().catch(() => ({}));
      await tx(["rec", "blobs"], "readwrite", async (s) => {
        const r = await req(s.rec.get(`photo:${b.id}`));
        if (r) s.rec.put({ ...r, data: { ...r.data, status: photo.status || "stored" }, upload: undefined });
        // The server has the bytes, verified against the SHA-256: the phone's copy can go.
        s.blobs.delete(b.id);
      });
      uploads.set(b.id, { sent: b.size, size: b.size, done: true });
      emit({ phase: "upload-progress", id: b.id, sent: b.size, size: b.size });
      changed();
      return;
    }
    if (res.status === 422) {
      // The server discarded the whole upload (the bytes do not match the record, or are not
      // an image): keep the bytes, show the problem.
      const p = await problemOf(res);
      const r = await get("rec", `photo:${b.id}`);
      if (r) await tx("rec", "readwrite", (s) => req(s.rec.put({ ...r, upload: { failed: true }, problem: p.body })));
      changed();
      return;
    }
    throw await problemOf(res);
  }
}

/** Pulls until caught up, applying each page and its cursor in one transaction. */
export async function pull() {
  let cursor = (await kvGet("cursor")) || null;
  let received = 0;
  emit({ phase: "pull", received });
  for (;;) {
    const page = await json("/sync/pull", cursor ? { cursor, limit: PULL_LIMIT } : { limit: PULL_LIMIT });
    await tx(["rec", "kv", "blobs"], "readwrite", async (s) => {
      // Every read of the page is asked for at once: IndexedDB answers them in order, without a
      // round trip between one and the next (a first sync reads thousands of records).
      const olds = await Promise.all(page.changes.map((c) => (c.op === "delete" ? null : req(s.rec.get(`${c.entity}:${c.id}`)))));
      for (const [i, c] of page.changes.entries()) {
        const key = `${c.entity}:${c.id}`;
        if (c.op === "delete") {
          s.rec.delete(key);
          continue;
        }
        const old = olds[i];
        const next = { key, entity: c.entity, id: c.id, parent: parentOf(c.entity, c.data), data: c.data };
        if (old?.state === "saved") {
          // An edit made on the phone and not sent yet stays what the phone shows until it is.
          continue;
        }
        if (old) {
          // What the phone knows about its own record stays (its sync state, a location note).
          next.state = old.state === "sent" ? "accepted" : old.state;
          if (old.locationNote) next.locationNote = old.locationNote;
          if (old.problem && old.state === "conflict") next.problem = old.problem;
          // A conflict is shown until the record changes again on the server (the office
          // settled it, or edited it since): then the record as it now is is what counts.
          if (old.state === "conflict" && (c.data?.version ?? 0) > (old.data?.version ?? 0)) {
            next.state = "accepted";
            next.problem = undefined;
          }
        }
        if (c.entity === "photo" && c.data?.status === "stored") s.blobs.delete(c.id);
        s.rec.put(next);
      }
      s.kv.put(page.cursor, "cursor");
    });
    cursor = page.cursor;
    received += page.changes.length;
    emit({ phase: "pull", received });
    if (!page.has_more) break;
  }
  changed();
}

export { Offline };
