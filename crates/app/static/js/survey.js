// The satisfaction questionnaire's rules on the phone: which questions are asked (skip logic) and
// the check of a household's answers. It is the server's check (crates/domain/src/questionnaire.rs,
// `Questionnaire::check_answers`) rule for rule, with the same error codes under the same paths
// (`answers.<id>`); tests/fixtures/questionnaire-cases.json holds cases that both run (a Rust test
// against the server's code, `node --test` against this module), so the two cannot drift apart.
// The server stays the source of truth: it checks every response again.
// No DOM here: Node imports this module as it is.
import { answerError } from "./i18n.js";

/** A `show_if` value and an answer are the same (numbers by value: 3 and 3.0 are one answer). */
function sameValue(a, b) {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return deepEqual(a, b);
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
}

/** A condition holds on an answer; for a multiple choice, when the selection contains the value. */
function matches(condition, answer) {
  if (Array.isArray(answer)) return answer.some((v) => sameValue(v, condition.equals));
  return sameValue(answer, condition.equals);
}

/** A whole number, as the server reads one (`4.0` counts as `4`); otherwise null. */
function asInteger(v) {
  return typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? v : null;
}

// Rust's `str::trim` trims what Unicode calls White_Space, which is not JavaScript's set
// (JavaScript also trims U+FEFF and keeps U+0085).
const WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, "g");
export const rustTrim = (s) => s.replace(TRIM, "");
/** Characters as Rust counts them (Unicode scalar values, not UTF-16 units). */
export const charCount = (s) => [...s].length;

const present = (v) => v !== null && v !== undefined;

/**
 * Which questions are asked, given the answers: a question is asked when its condition holds on
 * the answers given to earlier asked questions. Returns the set of asked question ids.
 */
export function askedQuestions(questionnaire, answers) {
  const asked = new Set();
  const visibleAnswers = new Map();
  for (const q of questionnaire.questions) {
    const c = q.show_if;
    const visible = !c || (visibleAnswers.has(c.question) && matches(c, visibleAnswers.get(c.question)));
    if (!visible) continue;
    asked.add(q.id);
    const a = answers[q.id];
    if (present(a)) visibleAnswers.set(q.id, a);
  }
  return asked;
}

/**
 * Checks a household's answers (an object keyed by question id) against a questionnaire
 * definition. Returns `{errors: [{field, question, code, message}], satisfied, answered}`;
 * `errors` is empty when the server would accept the answers.
 */
export function checkAnswers(questionnaire, answers) {
  const errors = [];
  const add = (question, code, params = {}) =>
    errors.push({ field: `answers.${question}`, question, code, message: answerError(code, params) });
  const visibleAnswers = new Map();
  let satisfied = null;
  let answered = 0;
  for (const q of questionnaire.questions) {
    const raw = Object.hasOwn(answers, q.id) ? answers[q.id] : undefined;
    const answer = present(raw) ? raw : undefined;
    const c = q.show_if;
    const visible = !c || (visibleAnswers.has(c.question) && matches(c, visibleAnswers.get(c.question)));
    if (!visible) {
      if (answer !== undefined) add(q.id, "not-applicable");
      continue;
    }
    if (answer === undefined) {
      if (q.required) add(q.id, "required");
      continue;
    }
    visibleAnswers.set(q.id, answer);
    const before = errors.length;
    const outcome = checkAnswer(q, answer, (code, params) => add(q.id, code, params));
    if (errors.length > before) continue;
    if (outcome.blank) {
      if (q.required) add(q.id, "required");
      continue;
    }
    answered++;
    if (q.satisfaction) satisfied = outcome.satisfied ?? null;
  }
  for (const id of Object.keys(answers)) {
    if (!questionnaire.questions.some((q) => q.id === id)) add(id, "unknown-question");
  }
  return { errors, satisfied: errors.length ? null : satisfied, answered: errors.length ? 0 : answered };
}

// The problems of one asked, non-null answer (through `add`), or its outcome.
function checkAnswer(q, answer, add) {
  switch (q.type) {
    case "single_choice": {
      if (typeof answer !== "string") return add("wrong-type", { expected: "choice" });
      const o = q.options.find((x) => x.value === answer);
      if (!o) return add("invalid-choice", { value: answer });
      return { satisfied: o.satisfied ?? null };
    }
    case "multiple_choice":
      return checkSelection(q, answer, add);
    case "scale": {
      const v = asInteger(answer);
      if (v === null) return add("wrong-type", { expected: "integer" });
      if (v < q.min || v > q.max) return add("out-of-range", { min: q.min, max: q.max });
      return { satisfied: q.satisfied_from === undefined || q.satisfied_from === null ? null : v >= q.satisfied_from };
    }
    case "number": {
      const ok = typeof answer === "number" && Number.isFinite(answer) && (!q.integer || Number.isInteger(answer));
      if (!ok) return add("wrong-type", { expected: q.integer ? "integer" : "number" });
      const hasMin = typeof q.min === "number";
      const hasMax = typeof q.max === "number";
      if ((hasMin && answer < q.min) || (hasMax && answer > q.max))
        return add("out-of-range", { min: hasMin ? q.min : undefined, max: hasMax ? q.max : undefined });
      return {};
    }
    case "text": {
      if (typeof answer !== "string") return add("wrong-type", { expected: "text" });
      const t = rustTrim(answer);
      if (!t) return { blank: true };
      const max = q.max_chars ?? 500;
      if (charCount(t) > max) return add("too-long", { max });
      return {};
    }
    default:
      return add("wrong-type", { expected: "unknown" });
  }
}

function checkSelection(q, answer, add) {
  if (!Array.isArray(answer)) return add("wrong-type", { expected: "choices" });
  if (!answer.length) return { blank: true };
  const seen = [];
  let invalid = false;
  let duplicate = false;
  for (const item of answer) {
    if (typeof item !== "string" || !q.options.some((o) => o.value === item)) invalid = true;
    else if (seen.includes(item)) duplicate = true;
    else seen.push(item);
  }
  if (invalid) add("invalid-choice", {});
  if (duplicate) add("duplicate", {});
  if (typeof q.min_selected === "number" && answer.length < q.min_selected) add("too-few", { min: q.min_selected });
  if (typeof q.max_selected === "number" && answer.length > q.max_selected) add("too-many", { max: q.max_selected });
  return {};
}

/** One error per question, the first the check found: what the form shows beside each question. */
export function firstErrorPerQuestion(errors) {
  const byQuestion = new Map();
  for (const e of errors) if (!byQuestion.has(e.question)) byQuestion.set(e.question, e);
  return byQuestion;
}
