// The satisfaction survey (满意度调查) of one household: the questionnaire version the pull
// delivered, asked with its skip logic, checked on the phone with the server's rules (survey.js),
// saved to the outbox as a `response` mutation.
import { T, byCode } from "./i18n.js";
import { h, show } from "./ui.js";
import { record, records } from "./db.js";
import { session } from "./api.js";
import { saveResponse } from "./sync.js";
import { askedQuestions, checkAnswers, firstErrorPerQuestion, rustTrim } from "./survey.js";

/** The questionnaire to ask: the newest version of `satisfaction`, else the newest of any. */
export function currentQuestionnaire(list) {
  const valid = list.filter((r) => r.data?.definition?.questions);
  const pick = (xs) => xs.sort((a, b) => (b.data.version || 0) - (a.data.version || 0))[0] || null;
  return pick(valid.filter((r) => r.data.code === "satisfaction")) || pick(valid);
}

/**
 * Whether this phone surveys the household, and in which cycle: a surveyor surveys any household
 * in scope; an inspector those with a sample-survey assignment (the household's own or its
 * village's). The cycle comes from an assignment, the only record of a cycle the pull delivers.
 */
export async function surveyContext(hh) {
  const [s, assignments, questionnaires] = await Promise.all([session(), records("assignment"), records("questionnaire")]);
  return contextFrom(hh, s, assignments, questionnaires);
}

/** The survey's context from records already read (see `householdBundle`). */
function contextFrom(hh, s, assignments, questionnaires) {
  const mine = assignments.map((r) => r.data);
  const forThis = mine.filter(
    (a) => a.method === "sample_survey" && ((a.target_kind === "household" && a.target_id === hh.id) || (a.target_kind === "village" && a.target_id === hh.village_id)),
  );
  const surveyor = s?.user?.role === "surveyor";
  const eligible = surveyor || forThis.length > 0;
  const latest = [...mine].sort((a, b) => byCode(b.due_on, a.due_on))[0];
  const cycleId = forThis[0]?.cycle_id || latest?.cycle_id || null;
  return { eligible, cycleId, questionnaire: currentQuestionnaire(questionnaires) };
}

const inputId = (q) => `q-${q.id}`;
const errorId = (q) => `err-${q.id}`;

function questionBlock(q, previous) {
  const required = q.required ? T.surveyRequired : T.surveyOptional;
  const error = h("p", { class: "error", id: errorId(q), hidden: true });
  const described = errorId(q);
  const wrap = (kind, ...content) =>
    h(kind === "group" ? "fieldset" : "div", { class: "question", dataset: { question: q.id, type: q.type } }, ...content, error);
  const choice = (type, value, label, checked) =>
    h(
      "label",
      {},
      h("input", { type, name: inputId(q), value, checked: !!checked, "aria-describedby": described }),
      h("span", {}, label),
    );
  switch (q.type) {
    case "single_choice":
      return wrap(
        "group",
        h("legend", {}, q.text, h("span", { class: "muted" }, required)),
        h("div", { class: "choices" }, q.options.map((o) => choice("radio", o.value, o.label, previous === o.value))),
      );
    case "multiple_choice":
      return wrap(
        "group",
        h("legend", {}, q.text, h("span", { class: "muted" }, required)),
        h("p", { class: "muted" }, T.surveyPickMany),
        h("div", { class: "choices many" }, q.options.map((o) => choice("checkbox", o.value, o.label, Array.isArray(previous) && previous.includes(o.value)))),
      );
    case "scale": {
      const values = [];
      for (let v = q.min; v <= q.max; v++) values.push(v);
      return wrap(
        "group",
        h("legend", {}, q.text, h("span", { class: "muted" }, required)),
        h("p", { class: "muted" }, T.surveyScaleHint(q.min, q.max)),
        h("div", { class: "choices scale" }, values.map((v) => choice("radio", String(v), String(v), previous === v))),
      );
    }
    case "number":
      return wrap(
        "div",
        h("label", { for: inputId(q) }, q.text, h("span", { class: "muted" }, required)),
        h("input", {
          id: inputId(q),
          type: "number",
          inputmode: q.integer ? "numeric" : "decimal",
          step: q.integer ? "1" : "any",
          value: typeof previous === "number" ? String(previous) : "",
          "aria-describedby": described,
        }),
      );
    default:
      return wrap(
        "div",
        h("label", { for: inputId(q) }, q.text, h("span", { class: "muted" }, required)),
        h("textarea", { id: inputId(q), rows: 3, "aria-describedby": described }, typeof previous === "string" ? previous : ""),
      );
  }
}

/** What the form holds for every question, asked or not (null: no answer). */
function readAnswers(form, questionnaire) {
  const out = {};
  for (const q of questionnaire.questions) {
    const name = inputId(q);
    let v = null;
    if (q.type === "single_choice") v = form.querySelector(`input[name="${name}"]:checked`)?.value ?? null;
    else if (q.type === "scale") {
      const picked = form.querySelector(`input[name="${name}"]:checked`);
      v = picked ? Number(picked.value) : null;
    } else if (q.type === "multiple_choice") {
      const picked = [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
      v = picked.length ? picked : null;
    } else if (q.type === "number") {
      const el = form.querySelector(`#${CSS.escape(name)}`);
      v = el.value === "" ? (el.validity.badInput ? "" : null) : Number(el.value);
    } else {
      const t = rustTrim(form.querySelector(`#${CSS.escape(name)}`).value);
      v = t || null;
    }
    if (v !== null) out[q.id] = v;
  }
  return out;
}

export async function surveyView(householdId, responseId, fresh = true) {
  const hhRec = await record("household", householdId);
  if (!hhRec) {
    show([h("h1", {}, T.survey), h("p", {}, T.notFound), h("a", { href: "#/", class: "button" }, T.back)], fresh);
    return;
  }
  const hh = hhRec.data;
  const ctx = await surveyContext(hh);
  const existing = responseId ? await record("response", responseId) : null;
  const qRec = existing ? (await record("questionnaire", existing.data.questionnaire_id)) || ctx.questionnaire : ctx.questionnaire;
  const cycleId = existing?.data.cycle_id || ctx.cycleId;
  const back = h("a", { href: `#/h/${householdId}`, class: "button secondary" }, `‹ ${T.back}`);
  if (!qRec || !cycleId) {
    show([h("p", {}, back), h("h1", {}, `${T.survey}：${hh.head_name}`), h("p", { class: "card note" }, qRec ? T.surveyNoCycle : T.surveyNoQuestionnaire)], fresh);
    return;
  }
  const questionnaire = qRec.data.definition;
  const previous = existing?.data.answers || {};
  const blocks = questionnaire.questions.map((q) => questionBlock(q, previous[q.id]));
  const summary = h("p", { class: "error", role: "alert", id: "survey-error" });
  const save = h("button", { type: "submit", class: "wide", id: "save-survey" }, T.surveySave);
  let tried = false;

  const comments = existing?.data.status === "returned" ? existing.data.review_comments || {} : null;
  const commentCard = comments
    ? h(
        "div",
        { class: "card alert", role: "alert" },
        h("strong", {}, T.returnedComments),
        h(
          "ul",
          {},
          Object.entries(comments).map(([k, v]) => h("li", {}, `${questionnaire.questions.find((q) => q.id === k)?.text || k}：${v}`)),
        ),
      )
    : null;

  // Skip logic: only the questions asked given the answers so far are shown (and sent).
  const refresh = () => {
    const asked = askedQuestions(questionnaire, readAnswers(form, questionnaire));
    for (const b of blocks) b.hidden = !asked.has(b.dataset.question);
    if (tried) showErrors(false);
  };
  const answers = () => {
    const all = readAnswers(form, questionnaire);
    const asked = askedQuestions(questionnaire, all);
    return Object.fromEntries(Object.entries(all).filter(([k]) => asked.has(k)));
  };
  // One error per question, beside it, in Chinese; returns whether there were any.
  const showErrors = (focus) => {
    const { errors } = checkAnswers(questionnaire, answers());
    const first = firstErrorPerQuestion(errors);
    for (const b of blocks) {
      const e = first.get(b.dataset.question);
      const p = b.querySelector(`#${CSS.escape(`err-${b.dataset.question}`)}`);
      p.textContent = e ? e.message : "";
      p.hidden = !e;
      b.classList.toggle("invalid", !!e);
      for (const i of b.querySelectorAll("input, textarea")) {
        if (e) i.setAttribute("aria-invalid", "true");
        else i.removeAttribute("aria-invalid");
      }
    }
    summary.textContent = first.size ? T.surveyErrors(first.size) : "";
    if (focus && first.size) {
      const b = blocks.find((x) => first.has(x.dataset.question));
      b?.querySelector("input, textarea")?.focus();
      b?.scrollIntoView({ block: "center" });
    }
    return first.size > 0;
  };

  const form = h(
    "form",
    {
      id: "survey",
      novalidate: true,
      oninput: refresh,
      onchange: refresh,
      onsubmit: async (ev) => {
        ev.preventDefault();
        tried = true;
        refresh();
        if (showErrors(true)) return;
        save.disabled = true;
        save.textContent = T.saving;
        try {
          await saveResponse({
            responseId: existing?.id,
            correction: !!existing && existing.state !== "saved",
            cycleId,
            questionnaireId: qRec.id,
            householdId,
            answers: answers(),
          });
          location.hash = `#/h/${householdId}`;
          if (navigator.onLine) window.dispatchEvent(new Event("fieldcheck:saved"));
        } catch (e) {
          summary.textContent = e.message;
          save.disabled = false;
          save.textContent = T.surveySave;
        }
      },
    },
    blocks,
    summary,
    save,
    h("a", { href: `#/h/${householdId}`, class: "button secondary wide" }, T.cancel),
  );
  show(
    [
      h("p", {}, back),
      h("h1", {}, `${T.survey}：${hh.head_name}`),
      h("p", { class: "muted" }, questionnaire.title, " · ", T.surveyVersion(qRec.data.code, qRec.data.version)),
      commentCard,
      form,
    ],
    fresh,
  );
  refresh();
}

/** The household page's survey section: its responses with their states, and the way in. */
/** The household page's survey block, from the records `householdBundle` read. */
export function surveySection(hh, stateChip, problemLine, bundle) {
  const ctx = contextFrom(hh, bundle.session, bundle.assignments, bundle.questionnaires);
  const responses = bundle.responses;
  const mine = responses.filter((r) => !ctx.cycleId || r.data.cycle_id === ctx.cycleId || r.state);
  const open = mine.find((r) => r.data.status === "returned" || r.state === "rejected" || r.state === "saved");
  const rows = mine.map((r) =>
    h(
      "li",
      { dataset: { response: r.id } },
      h(
        "div",
        { class: "row" },
        h("span", { class: "main" }, T.survey),
        r.data.status ? h("span", { class: `chip ${r.data.status === "returned" ? "returned" : "plain"}` }, T.responseStatus[r.data.status] || r.data.status) : null,
        stateChip(r),
        r.data.satisfied === true || r.data.satisfied === false ? h("span", { class: "sub" }, r.data.satisfied ? T.satisfiedYes : T.satisfiedNo) : null,
        r.data.status === "returned" && r.data.review_comments
          ? h("span", { class: "sub error" }, `${T.returnedComments}：${Object.values(r.data.review_comments).join("；")}`)
          : null,
        problemLine(r),
      ),
    ),
  );
  let action = null;
  if (open) action = h("a", { href: `#/survey/${hh.id}/${open.id}`, class: "button wide", id: "survey-correct" }, T.surveyCorrect);
  else if (ctx.eligible && !mine.length) action = h("a", { href: `#/survey/${hh.id}`, class: "button wide", id: "start-survey" }, T.surveyStart);
  if (!rows.length && !action) return [];
  return [h("h2", {}, T.survey), rows.length ? h("ul", { class: "list", id: "responses" }, rows) : null, action];
}
