// Editing what a phone may edit (api-spec/sync.md §2): a household's phone, address and location,
// and the status of its plan's measures. Checked on the phone with the server's rules, saved as
// one `household` / `measure` update per record with the version the edit was based on.
import { T } from "./i18n.js";
import { h, show } from "./ui.js";
import { record, children } from "./db.js";
import { saveEdit } from "./sync.js";
import { currentFix } from "./views.js";
import { rustTrim, charCount } from "./survey.js";

const MEASURE_STATUSES = ["planned", "in_progress", "done", "cancelled"];

/** A phone number as the server takes it (validation::phone), or null when it is not one. */
export function cleanPhone(text) {
  const compact = text.replace(/[ -]/g, "");
  const digits = /^[0-9]+$/.test(compact);
  const mobile = compact.length === 11 && compact.startsWith("1") && digits;
  const landline = compact.length >= 10 && compact.length <= 12 && compact.startsWith("0") && digits;
  return mobile || landline ? compact : null;
}

const sameLocation = (a, b) => (!a && !b) || (a && b && a.lat === b.lat && a.lon === b.lon);

export async function editView(householdId, fresh = true) {
  const hhRec = await record("household", householdId);
  if (!hhRec) {
    show([h("h1", {}, T.editHousehold), h("p", {}, T.notFound), h("a", { href: "#/", class: "button" }, T.back)], fresh);
    return;
  }
  const hh = hhRec.data;
  const plans = await children("plan", householdId);
  const measures = [];
  for (const p of plans) measures.push(...(await children("measure", p.id)));

  let spot = hh.location ? { lat: hh.location.lat, lon: hh.location.lon } : null;
  const phone = h("input", { id: "edit-phone", type: "tel", inputmode: "tel", autocomplete: "off", value: hh.phone || "", "aria-describedby": "edit-phone-error" });
  const phoneError = h("p", { class: "error", id: "edit-phone-error" });
  const address = h("input", { id: "edit-address", type: "text", autocomplete: "off", value: hh.address || "", "aria-describedby": "edit-address-error" });
  const addressError = h("p", { class: "error", id: "edit-address-error" });
  const where = h("p", { id: "edit-location", role: "status", "aria-live": "polite" });
  const showWhere = (note) => {
    where.textContent = note || (spot ? T.locationValue(spot.lat, spot.lon) : T.noLocation);
  };
  showWhere();
  const here = h(
    "button",
    {
      type: "button",
      class: "secondary wide",
      id: "edit-use-here",
      onclick: async () => {
        showWhere(T.locating);
        const r = await currentFix();
        if (r.fix) spot = { lat: r.fix.lat, lon: r.fix.lon };
        showWhere(r.fix ? null : r.note === "denied" ? T.locationDenied : T.locationUnavailable);
      },
    },
    T.useHere,
  );
  const clear = h(
    "button",
    {
      type: "button",
      class: "secondary wide",
      onclick: () => {
        spot = null;
        showWhere();
      },
    },
    T.clearLocation,
  );
  const selects = measures.map((m) => {
    const kind = T.measureKind[m.data.kind] || m.data.kind;
    const id = `measure-${m.id}`;
    return {
      m,
      el: h(
        "div",
        { class: "measure-edit" },
        h("label", { for: id }, T.measureStatusLabel(kind), h("span", { class: "muted" }, ` ${m.data.description || ""}`)),
        h(
          "select",
          { id, dataset: { measure: m.id } },
          MEASURE_STATUSES.map((s) => h("option", { value: s, selected: s === m.data.status }, T.measureStatus[s])),
        ),
      ),
    };
  });
  const status = h("p", { role: "status", "aria-live": "polite", id: "edit-status" });
  const form = h(
    "form",
    {
      id: "edit",
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        phoneError.textContent = "";
        addressError.textContent = "";
        phone.removeAttribute("aria-invalid");
        address.removeAttribute("aria-invalid");
        const fields = {};
        // An emptied field clears it on the server (null).
        const p = phone.value.trim();
        if (p) {
          const clean = cleanPhone(p);
          if (!clean) {
            phoneError.textContent = T.invalidPhone;
            phone.setAttribute("aria-invalid", "true");
          } else if (clean !== hh.phone) fields.phone = clean;
        } else if (hh.phone) fields.phone = null;
        const a = rustTrim(address.value);
        if (a) {
          if (charCount(a) > 200) addressError.textContent = T.addressTooLong;
          else if (/[\u0000-\u001f\u007f-\u009f]/.test(a)) addressError.textContent = T.addressOneLine;
          else if (a !== hh.address) fields.address = a;
          if (addressError.textContent) address.setAttribute("aria-invalid", "true");
        } else if (hh.address) fields.address = null;
        if (phoneError.textContent || addressError.textContent) {
          (phoneError.textContent ? phone : address).focus();
          return;
        }
        if (!sameLocation(spot, hh.location)) fields.location = spot;
        const measureChanges = selects.filter((s) => s.el.querySelector("select").value !== s.m.data.status);
        if (!Object.keys(fields).length && !measureChanges.length) {
          status.textContent = T.noChange;
          return;
        }
        if (Object.keys(fields).length) await saveEdit("household", householdId, fields);
        for (const s of measureChanges) await saveEdit("measure", s.m.id, { status: s.el.querySelector("select").value });
        location.hash = `#/h/${householdId}`;
        if (navigator.onLine) window.dispatchEvent(new Event("fieldcheck:saved"));
      },
    },
    h("label", { for: "edit-phone" }, T.phone),
    phone,
    phoneError,
    h("label", { for: "edit-address" }, T.address),
    address,
    addressError,
    h("h2", {}, T.location),
    where,
    here,
    clear,
    selects.length ? [h("h2", {}, T.plan), selects.map((s) => s.el)] : null,
    status,
    h("button", { type: "submit", class: "wide", id: "save-edit" }, T.editSave),
    h("a", { href: `#/h/${householdId}`, class: "button secondary wide" }, T.cancel),
  );
  show(
    [
      h("p", {}, h("a", { href: `#/h/${householdId}`, class: "button secondary" }, `‹ ${T.back}`)),
      h("h1", {}, `${T.editHousehold}：${hh.head_name}`),
      h("p", { class: "muted mono" }, hh.registration_no),
      form,
    ],
    fresh,
  );
}
