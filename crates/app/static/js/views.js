// The screens: sign-in, today's work, a village, a household, recording a visit, sync, me.
// Each reads the phone's storage only; the network is touched by sync.js and api.js.
import { T, fmtTime, fmtProblem, byChinese, byCode } from "./i18n.js";
import { h, show, stateChip, chip, blobUrl } from "./ui.js";
import { records, record, children, all, get, kvGet, clearData, householdBundle } from "./db.js";
import { signIn, session, deviceId, signOut, Problem, Offline } from "./api.js";
import { saveVisit, sync, pending, resend, discard, uploads, cleanNotes, NOTES_MAX, isSyncing, net } from "./sync.js";
import { uuidv7 } from "./uuid.js";
import { surveySection } from "./survey-view.js";

const CHECKLIST = ["food", "clothing", "education", "medical", "housing", "water"];
const byId = (list) => new Map(list.map((r) => [r.id, r.data]));

// ---------------------------------------------------------------------------------------------
// Sign-in

export async function loginView(fresh = true) {
  const s = await session();
  const status = h("p", { id: "login-status", role: "status", "aria-live": "polite" });
  const user = h("input", {
    id: "username",
    name: "username",
    type: "text",
    autocomplete: "username",
    autocapitalize: "none",
    required: true,
    value: s?.user?.username || "",
  });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const button = h("button", { type: "submit", class: "wide" }, T.signIn);
  const form = h(
    "form",
    {
      id: "login",
      onsubmit: async (ev) => {
        ev.preventDefault();
        if (!navigator.onLine) {
          status.textContent = T.needOnline;
          status.className = "error";
          return;
        }
        button.disabled = true;
        status.className = "";
        status.textContent = T.signingIn;
        try {
          await signIn(user.value.trim(), pass.value);
          await navigator.storage?.persist?.().catch(() => false);
          status.textContent = T.firstPull;
          sync().catch(() => {});
          if (location.hash === "#/" || location.hash === "") window.dispatchEvent(new HashChangeEvent("hashchange"));
          else location.hash = "#/";
        } catch (e) {
          status.className = "error";
          if (e instanceof Problem && e.status === 401) status.textContent = T.wrongPassword;
          else if (e instanceof Problem && e.status === 429) status.textContent = T.tooManyAttempts;
          else if (e instanceof Offline) status.textContent = T.needOnline;
          else if (e.unsent) status.textContent = T.otherUserOutbox(e.unsent);
          else status.textContent = fmtProblem(e.body) || e.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    h("label", { for: "username" }, T.username),
    user,
    h("label", { for: "password" }, T.password),
    pass,
    button,
    status,
  );
  show([h("h1", {}, T.signInTitle), h("p", { class: "muted" }, T.signInHint), form], fresh);
}

// ---------------------------------------------------------------------------------------------
// Today's work

async function visitedHouseholds() {
  return new Set((await records("visit")).map((v) => v.data.household_id));
}

function householdItem(hh, villages, visited, extra = []) {
  const village = villages.get(hh.village_id);
  return h(
    "li",
    {},
    h(
      "a",
      { href: `#/h/${hh.id}`, dataset: { household: hh.id } },
      h("span", { class: "main" }, hh.head_name),
      visited.has(hh.id) ? chip(T.visitedChip, "accepted") : null,
      ...extra,
      h("span", { class: "sub" }, h("span", { class: "mono" }, hh.registration_no), village ? ` · ${village.name}` : ""),
    ),
  );
}

export async function workView(fresh = true) {
  const [assignments, households, places, visited, last, responses] = await Promise.all([
    records("assignment"),
    records("household"),
    records("place"),
    visitedHouseholds(),
    kvGet("last_sync"),
    records("response"),
  ]);
  const surveyed = new Set(responses.map((r) => r.data.household_id));
  const villages = byId(places);
  const hhs = households.map((r) => r.data);
  const hhById = new Map(hhs.map((x) => [x.id, x]));

  // Assignments, by due date, then village, then head of household.
  const rows = assignments
    .map((r) => r.data)
    .map((a) => {
      const hh = a.target_kind === "household" ? hhById.get(a.target_id) : null;
      const villageId = hh ? hh.village_id : a.target_id;
      return { a, hh, village: villages.get(villageId), villageId };
    })
    .sort(
      (x, y) =>
        byCode(x.a.due_on, y.a.due_on) || byChinese(x.village?.name, y.village?.name) || byChinese(x.hh?.head_name, y.hh?.head_name),
    );
  const assignmentList = rows.length
    ? h(
        "ul",
        { class: "list", id: "assignments" },
        rows.map(({ a, hh, village, villageId }) =>
          h(
            "li",
            {},
            h(
              "a",
              { href: hh ? `#/h/${hh.id}` : `#/village/${villageId}`, dataset: { assignment: a.id } },
              h("span", { class: "main" }, hh ? hh.head_name : `${village?.name || ""} ${T.targetVillage}`),
              chip(T.methods[a.method] || a.method),
              hh && a.method !== "sample_survey" && visited.has(hh.id) ? chip(T.visitedChip, "accepted") : null,
              hh && a.method === "sample_survey" && surveyed.has(hh.id) ? chip(T.surveyedChip, "accepted") : null,
              h(
                "span",
                { class: "sub" },
                `${T.due} ${a.due_on}`,
                hh ? ` · ${hh.registration_no}` : "",
                village && hh ? ` · ${village.name}` : "",
                a.note ? ` · ${a.note}` : "",
              ),
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, T.noAssignments);

  // Progress per village: households visited of those in scope.
  const perVillage = new Map();
  for (const x of hhs) {
    const v = perVillage.get(x.village_id) || { all: 0, done: 0 };
    v.all++;
    if (visited.has(x.id)) v.done++;
    perVillage.set(x.village_id, v);
  }
  const villageList = h(
    "ul",
    { class: "list", id: "villages" },
    [...perVillage.entries()]
      .sort((a, b) => byChinese(villages.get(a[0])?.name, villages.get(b[0])?.name))
      .map(([id, v]) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/village/${id}` },
            h("span", { class: "main" }, villages.get(id)?.name || id),
            h("span", { class: "chip plain" }, T.visitedOf(v.done, v.all)),
          ),
        ),
      ),
  );

  // Search by head's name or registration number, over every household on the phone.
  const results = h("div", { id: "search-results", "aria-live": "polite" });
  const search = h("input", {
    id: "search",
    type: "search",
    placeholder: T.search,
    autocomplete: "off",
    oninput: () => {
      const q = search.value.trim();
      if (!q) return results.replaceChildren();
      const found = hhs.filter((x) => x.head_name.includes(q) || x.registration_no.includes(q));
      const shown = found.slice(0, 30);
      results.replaceChildren(
        h("p", { class: "muted" }, T.results(found.length)),
        h("ul", { class: "list" }, shown.map((x) => householdItem(x, villages, visited))),
        found.length > shown.length ? h("p", { class: "muted" }, T.moreResults(found.length - shown.length)) : null,
      );
    },
  });

  show(
    [
      h("h1", {}, T.workTitle),
      h("p", { class: "muted", id: "last-sync" }, last ? T.lastSync(fmtTime(last)) : T.neverSynced),
      h("label", { for: "search" }, T.searchLabel),
      search,
      results,
      h("h2", {}, T.assignments),
      assignmentList,
      h("h2", {}, T.villages),
      hhs.length ? villageList : h("p", { class: "muted" }, T.noHouseholds),
    ],
    fresh,
  );
}

export async function villageView(id, fresh = true) {
  const [place, households, places, visited] = await Promise.all([
    record("place", id),
    children("household", id),
    records("place"),
    visitedHouseholds(),
  ]);
  const villages = byId(places);
  const hhs = households.map((r) => r.data).sort((a, b) => byCode(a.registration_no, b.registration_no));
  const done = hhs.filter((x) => visited.has(x.id)).length;
  show(
    [
      h("p", {}, h("a", { href: "#/", class: "button secondary" }, `‹ ${T.back}`)),
      h("h1", {}, place?.data?.name || T.household),
      h("p", { class: "muted" }, T.visitedOf(done, hhs.length)),
      h("ul", { class: "list" }, hhs.map((x) => householdItem(x, villages, visited))),
    ],
    fresh,
  );
}

// ---------------------------------------------------------------------------------------------
// A household

function checklistSummary(checklist) {
  if (!checklist || typeof checklist !== "object") return "";
  return CHECKLIST.filter((k) => checklist[k])
    .map((k) => `${T.checklist[k]}：${T.answers[checklist[k]] || checklist[k]}`)
    .join("，");
}

function problemLine(rec) {
  if (!rec?.problem) return null;
  if (rec.state === "conflict") {
    const fields = (rec.problem.fields || []).map((f) => T.fieldNames[f] || f).join("、");
    const mine = Object.entries(rec.problem.device || {})
      .filter(([f, v]) => f !== "id" && (typeof v === "string" || typeof v === "number"))
      .map(([f, v]) => T.conflictMine(T.fieldNames[f] || f, v));
    return h("p", { class: "error problem" }, T.conflictKept(fields), mine.length ? h("br") : null, mine.join("；"));
  }
  return h("p", { class: "error problem" }, `${T.problem}：${fmtProblem(rec.problem) || rec.problem.code}`);
}

function comments(c) {
  if (!c) return [];
  if (typeof c === "string") return [c];
  return Object.entries(c).map(([k, v]) => `${T.checklist[k] || k}：${typeof v === "string" ? v : JSON.stringify(v)}`);
}

export async function householdView(id, fresh = true) {
  const bundle = await householdBundle(id);
  if (!bundle) {
    show([h("h1", {}, T.household), h("p", {}, T.notFound), h("a", { href: "#/", class: "button" }, T.back)], fresh);
    return;
  }
  const { household: hhRec, members, plans, visits, photos, village, measuresByPlan } = bundle;
  const hh = hhRec.data;
  visits.sort((a, b) => byCode(b.data.started_at, a.data.started_at));
  photos.sort((a, b) => byCode(b.data.taken_at, a.data.taken_at));

  // Anything sent back for correction comes first, with the reviewer's comments.
  const returned = visits.filter((v) => v.data.status === "returned");
  const alerts = returned.map((v) =>
    h(
      "div",
      { class: "card alert", role: "alert" },
      h("strong", {}, `${T.returned}：${fmtTime(v.data.started_at)}`),
      h("ul", { class: "review-comments" }, comments(v.data.review_comments).map((c) => h("li", {}, c))),
      h("a", { href: `#/visit/${hh.id}/${v.id}`, class: "button wide", dataset: { correct: v.id } }, T.correctVisit),
    ),
  );
  const measures = [...measuresByPlan.values()].flat();
  const rejected = [hhRec, ...measures, ...visits, ...photos].filter((r) => r.state === "rejected" || (r.state === "conflict" && r.problem?.fields?.some((f) => f !== "id")));
  for (const r of rejected)
    alerts.push(h("div", { class: "card alert" }, h("strong", {}, `${T.entities[r.entity]} ${T.state[r.state]}`), problemLine(r)));

  const memberTable = members.length
    ? h(
        "table",
        { id: "members" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, T.name), h("th", { scope: "col" }, T.relation), h("th", { scope: "col" }, T.idNumber))),
        h(
          "tbody",
          {},
          members.map((m) =>
            h("tr", {}, h("td", {}, m.data.name), h("td", {}, m.data.relation || ""), h("td", { class: "mono" }, m.data.id_number || "")),
          ),
        ),
      )
    : null;

  const planBlocks = plans.length
    ? plans
        .sort((a, b) => (b.data.year || 0) - (a.data.year || 0))
        .map((p) =>
          h(
            "div",
            { class: "card", dataset: { plan: p.id } },
            h("strong", {}, T.planYear(p.data.year), " "),
            chip(T.planStatus[p.data.status] || p.data.status),
            h(
              "ul",
              { class: "list" },
              (measuresByPlan.get(p.id) || []).map((m) =>
                h(
                  "li",
                  { dataset: { measure: m.id } },
                  h(
                    "div",
                    { class: "row" },
                    h("span", { class: "main" }, T.measureKind[m.data.kind] || m.data.kind),
                    chip(T.measureStatus[m.data.status] || m.data.status, m.data.status === "done" ? "accepted" : "plain"),
                    stateChip(m),
                    h("span", { class: "sub" }, m.data.description, m.data.budget_fen ? ` · ${T.budget} ${T.yuan(m.data.budget_fen)}` : ""),
                  ),
                ),
              ),
            ),
          ),
        )
    : [h("p", { class: "muted" }, T.noPlan)];

  const visitList = visits.length
    ? h(
        "ul",
        { class: "list", id: "visits" },
        visits.map((v) =>
          h(
            "li",
            { dataset: { visit: v.id } },
            h(
              "div",
              { class: "row" },
              h("span", { class: "main" }, fmtTime(v.data.started_at)),
              v.data.status ? chip(T.visitStatus[v.data.status] || v.data.status, v.data.status === "returned" ? "returned" : "plain") : null,
              stateChip(v),
              h("span", { class: "sub" }, checklistSummary(v.data.checklist)),
              v.data.notes ? h("span", { class: "sub notes" }, v.data.notes) : null,
              problemLine(v),
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, T.noVisits);

  const blobs = new Map();
  for (const p of photos) {
    const b = await get("blobs", p.id);
    if (b) blobs.set(p.id, b);
  }
  const photoList = photos.length
    ? h(
        "ul",
        { class: "photos", id: "photos" },
        photos.map((p) => {
          const b = blobs.get(p.id);
          const up = uploads.get(p.id);
          return h(
            "li",
            { dataset: { photo: p.id } },
            b ? h("img", { src: blobUrl(b.blob), alt: `${T.photos} ${fmtTime(p.data.taken_at)}` }) : null,
            h("div", {}, fmtTime(p.data.taken_at)),
            stateChip(p) || chip(T.photoStatus[p.data.status] || p.data.status, p.data.status === "stored" ? "stored" : "plain"),
            up && !up.done ? h("progress", { max: up.size, value: up.sent }) : null,
            p.locationNote ? h("div", { class: "muted" }, p.locationNote === "denied" ? T.locationDenied : T.locationUnavailable) : null,
            problemLine(p),
          );
        }),
      )
    : h("p", { class: "muted" }, T.noPhotos);

  const survey = surveySection(hh, stateChip, problemLine, bundle);
  show(
    [
      h("p", {}, h("a", { href: village ? `#/village/${hh.village_id}` : "#/", class: "button secondary" }, `‹ ${T.back}`)),
      h("h1", {}, hh.head_name),
      alerts,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, T.registrationNo),
        h("dd", { class: "mono" }, hh.registration_no),
        h("dt", {}, T.status),
        h("dd", {}, T.householdStatus[hh.status] || hh.status, hh.exit_year ? `（${hh.exit_year}）` : ""),
        village ? [h("dt", {}, "村"), h("dd", {}, village.data.name)] : null,
        hh.phone ? [h("dt", {}, T.phone), h("dd", { id: "hh-phone" }, hh.phone)] : null,
        hh.address ? [h("dt", {}, T.address), h("dd", {}, hh.address)] : null,
        hh.location ? [h("dt", {}, T.location), h("dd", {}, T.locationValue(hh.location.lat, hh.location.lon))] : null,
      ),
      hhRec.state ? h("p", { id: "hh-state" }, stateChip(hhRec)) : null,
      h("div", { class: "row-actions" }, h("a", { href: `#/edit/${hh.id}`, class: "button secondary", id: "edit-household" }, T.edit)),
      h("a", { href: `#/visit/${hh.id}`, class: "button wide", id: "new-visit" }, T.newVisit),
      survey,
      h("h2", {}, T.members),
      memberTable,
      h("h2", {}, T.plan),
      planBlocks,
      h("h2", {}, T.visits),
      visitList,
      h("h2", {}, T.photos),
      photoList,
    ],
    fresh,
  );
}

// ---------------------------------------------------------------------------------------------
// Recording a visit

/** The phone's position now, or why there is none (never a made-up one). */
export function currentFix() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve({ note: "unavailable" });
    navigator.geolocation.getCurrentPosition(
      (p) =>
        resolve({
          fix: { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: Math.max(0, p.coords.accuracy) },
        }),
      (e) => resolve({ note: e.code === e.PERMISSION_DENIED ? "denied" : "unavailable" }),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 },
    );
  });
}

async function sha256Hex(buf) {
  const d = await crypto.subtle.digest("SHA-256", buf);
  return Array.from(new Uint8Array(d), (x) => x.toString(16).padStart(2, "0")).join("");
}

export async function visitView(householdId, visitId) {
  const hhRec = await record("household", householdId);
  if (!hhRec) return householdView(householdId);
  const hh = hhRec.data;
  // A visit sent back: the same form, filled in, saved as an update of that visit.
  const correct = visitId ? await record("visit", visitId) : null;
  const before = correct?.data || {};
  const plans = await children("plan", householdId);
  const measures = [];
  for (const p of plans) measures.push(...(await children("measure", p.id)));
  const startedAt = new Date().toISOString();
  const photos = [];
  let visitFix = null;

  const locStatus = h("p", { id: "location-status", role: "status", "aria-live": "polite" }, T.locating);
  const showFix = (r) => {
    locStatus.textContent = r.fix ? T.located(r.fix.accuracy_m) : r.note === "denied" ? T.locationDenied : T.locationUnavailable;
  };
  currentFix().then((r) => {
    visitFix = r.fix || null;
    showFix(r);
  });

  const fieldsets = CHECKLIST.map((k) =>
    h(
      "fieldset",
      { class: "check", dataset: { item: k } },
      h("legend", {}, T.checklist[k]),
      h(
        "div",
        { class: "choices" },
        ["yes", "no", "na"].map((a) =>
          h("label", {}, h("input", { type: "radio", name: `check-${k}`, value: a, checked: before.checklist?.[k] === a }), h("span", {}, T.answers[a])),
        ),
      ),
    ),
  );
  const notes = h("textarea", { id: "notes", name: "notes", rows: 4, "aria-describedby": "notes-hint" }, before.notes || "");
  const measureSelect = h(
    "select",
    { id: "photo-measure" },
    h("option", { value: "" }, T.photoForVisit),
    measures.map((m) => h("option", { value: m.id }, `${T.measureKind[m.data.kind] || m.data.kind}：${m.data.description}`)),
  );
  const photoList = h("ul", { class: "photos", id: "new-photos" });
  const photoStatus = h("p", { role: "status", "aria-live": "polite", id: "photo-status" });
  const renderPhotos = () =>
    photoList.replaceChildren(
      ...photos.map((p, i) =>
        h(
          "li",
          {},
          h("img", { src: p.url, alt: `${T.photos} ${i + 1}` }),
          h("div", { class: "muted" }, p.location ? T.located(p.location.accuracy_m) : p.locationNote === "denied" ? T.locationDenied : T.locationUnavailable),
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                URL.revokeObjectURL(p.url);
                photos.splice(i, 1);
                renderPhotos();
              },
            },
            T.removePhoto,
          ),
        ),
      ),
    );
  const camera = h("input", {
    id: "camera",
    type: "file",
    accept: "image/*",
    capture: "environment",
    onchange: async () => {
      const files = [...camera.files];
      camera.value = "";
      for (const file of files) {
        photoStatus.textContent = T.hashing;
        const takenAt = new Date().toISOString();
        const [buf, where] = await Promise.all([file.arrayBuffer(), currentFix()]);
        const blob = new Blob([buf], { type: file.type || "image/jpeg" });
        photos.push({
          id: uuidv7(),
          blob,
          url: URL.createObjectURL(blob),
          sha256: await sha256Hex(buf),
          takenAt,
          location: where.fix || null,
          locationNote: where.fix ? undefined : where.note,
          measureId: measureSelect.value || null,
        });
        renderPhotos();
      }
      photoStatus.textContent = `${T.photos}：${photos.length}`;
    },
  });
  const error = h("p", { class: "error", role: "alert", id: "visit-error" });
  const save = h("button", { type: "submit", class: "wide", id: "save-visit" }, T.save);
  const form = h(
    "form",
    {
      id: "visit",
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.textContent = "";
        const checklist = {};
        for (const k of CHECKLIST) {
          const picked = form.querySelector(`input[name=check-${k}]:checked`);
          if (picked) checklist[k] = picked.value;
        }
        if (Object.keys(checklist).length < CHECKLIST.length) {
          error.textContent = T.checklistIncomplete;
          form.querySelector("fieldset.check:not(:has(input:checked)) input")?.focus();
          return;
        }
        if (cleanNotes(notes.value).length > NOTES_MAX) {
          error.textContent = T.tooLong(NOTES_MAX);
          notes.focus();
          return;
        }
        save.disabled = true;
        save.textContent = T.saving;
        try {
          await saveVisit({
            householdId,
            correct,
            checklist,
            notes: notes.value,
            location: visitFix,
            startedAt,
            photos: photos.map((p) => ({
              id: p.id,
              blob: p.blob,
              sha256: p.sha256,
              takenAt: p.takenAt,
              location: p.location,
              locationNote: p.locationNote,
              measureId: p.measureId,
            })),
          });
          for (const p of photos) URL.revokeObjectURL(p.url);
          location.hash = `#/h/${householdId}`;
          if (navigator.onLine) window.dispatchEvent(new Event("fieldcheck:saved"));
        } catch (e) {
          error.textContent = e.message;
          save.disabled = false;
          save.textContent = T.save;
        }
      },
    },
    fieldsets,
    h("label", { for: "notes" }, T.notes),
    notes,
    h("p", { class: "muted", id: "notes-hint" }, T.notesHint),
    h("h2", {}, T.photos),
    h("label", { for: "photo-measure" }, T.photoFor),
    measureSelect,
    h("label", { class: "button secondary wide filepick", for: "camera" }, T.takePhoto, camera),
    photoStatus,
    photoList,
    h("h2", {}, T.location),
    locStatus,
    error,
    save,
    h("a", { href: `#/h/${householdId}`, class: "button secondary wide" }, T.cancel),
  );
  const review = correct?.data.review_comments
    ? h(
        "div",
        { class: "card alert", role: "alert" },
        h("strong", {}, T.returnedComments),
        h("ul", { class: "review-comments" }, comments(correct.data.review_comments).map((c) => h("li", {}, c))),
      )
    : null;
  show([h("h1", {}, `${correct ? T.correctTitle : T.visitTitle}：${hh.head_name}`), h("p", { class: "muted mono" }, hh.registration_no), review, form]);
}

// ---------------------------------------------------------------------------------------------
// Sync

function describe(entry) {
  const m = entry.mutation;
  return `${T.entities[m.entity] || m.entity}${m.op === "update" ? T.ops.update : ""} · ${fmtTime(m.device_time)}`;
}

export async function syncView(fresh = true) {
  const [p, last, blobs] = await Promise.all([pending(), kvGet("last_sync"), all("blobs")]);
  const statusText = !navigator.onLine || !net.reachable ? T.syncOffline : isSyncing() ? T.syncing : last ? T.lastSync(fmtTime(last)) : T.neverSynced;
  const outboxList = p.outbox.length
    ? h(
        "ul",
        { class: "list", id: "outbox" },
        p.outbox.map((e) =>
          h(
            "li",
            { dataset: { seq: e.seq, state: e.state } },
            h(
              "div",
              { class: "row" },
              h("span", { class: "main" }, describe(e)),
              h("span", { class: `chip ${e.state === "pending" ? "saved" : e.state}` }, T.state[e.state === "pending" ? "saved" : e.state]),
              e.problem ? h("span", { class: "sub error" }, `${T.problem}：${fmtProblem(e.problem) || e.problem.code}`) : null,
              e.state === "rejected"
                ? h(
                    "span",
                    { class: "row-actions" },
                    h("button", { type: "button", onclick: () => resend(e.seq) }, T.resend),
                    h(
                      "button",
                      { type: "button", class: "danger", onclick: () => confirm(T.discardConfirm) && discard(e.seq) },
                      T.discard,
                    ),
                  )
                : null,
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, T.outboxEmpty);
  let total = 0;
  let sent = 0;
  const photoRows = blobs.map((b) => {
    const up = uploads.get(b.id) || { sent: 0, size: b.size };
    total += b.size;
    sent += Math.min(up.sent, b.size);
    return h(
      "li",
      { dataset: { photo: b.id } },
      h("div", { class: "row" }, h("span", { class: "main" }, `${T.photos} ${b.id.slice(-6)}`), h("span", {}, T.photoProgress(up.sent, b.size)), h("progress", { max: b.size, value: up.sent })),
    );
  });
  show(
    [
      h("h1", {}, T.syncTitle),
      h("p", { id: "sync-status", role: "status", "aria-live": "polite" }, statusText),
      h("button", { type: "button", class: "wide", id: "sync-now", disabled: !navigator.onLine || isSyncing(), onclick: () => sync().catch(() => {}) }, T.syncNow),
      h("h2", {}, `${T.outbox}（${p.mutations + p.rejected}）`),
      outboxList,
      h("h2", {}, T.photoQueue),
      blobs.length
        ? [h("p", {}, T.queueProgress(sent, total)), h("progress", { max: total || 1, value: sent, id: "queue-progress" }), h("ul", { class: "list", id: "photo-queue" }, photoRows)]
        : h("p", { class: "muted" }, T.photoQueueEmpty),
    ],
    fresh,
  );
}

// ---------------------------------------------------------------------------------------------
// Me: who, which phone, storage, sign-out

export async function meView(fresh = true) {
  const [s, device, p] = await Promise.all([session(), deviceId(), pending()]);
  let storage = T.storageUnknown;
  let persisted = null;
  try {
    const est = await navigator.storage.estimate();
    storage = T.storageUse(est.usage, Math.max(0, est.quota - est.usage));
    persisted = await navigator.storage.persisted();
  } catch {
    /* not available */
  }
  const version = await swVersion();
  show(
    [
      h("h1", {}, T.meTitle),
      h("p", {}, T.signedInAs(s?.user?.display_name || s?.user?.username || "", T.roles[s?.user?.role] || s?.user?.role || "")),
      h("dl", { class: "facts" }, h("dt", {}, T.device), h("dd", { class: "mono", id: "device-id" }, device), h("dt", {}, T.appVersion), h("dd", { class: "mono" }, version || "—")),
      h("h2", {}, T.storage),
      h("p", { id: "storage" }, storage),
      persisted === null ? null : h("p", { class: persisted ? "muted" : "card note" }, persisted ? T.storagePersisted : T.storageNotPersisted),
      h("h2", {}, T.signOut),
      p.mutations + p.rejected + p.photos > 0 ? h("p", { class: "card note" }, T.outboxCount(p.mutations + p.rejected + p.photos)) : null,
      h(
        "button",
        {
          type: "button",
          class: "danger wide",
          id: "sign-out",
          onclick: async () => {
            const q = await pending();
            const unsent = q.mutations + q.rejected + q.photos;
            if (!confirm(unsent ? T.signOutUnsent(unsent) : T.signOutConfirm)) return;
            await signOut();
            if (!unsent) await clearData();
            location.hash = "#/";
          },
        },
        T.signOut,
      ),
    ],
    fresh,
  );
}

function swVersion() {
  return new Promise((resolve) => {
    const c = navigator.serviceWorker?.controller;
    if (!c) return resolve(null);
    const t = setTimeout(() => resolve(null), 500);
    navigator.serviceWorker.addEventListener(
      "message",
      (ev) => {
        clearTimeout(t);
        resolve(ev.data?.version || null);
      },
      { once: true },
    );
    c.postMessage("version");
  });
}

