// The questionnaire cases the server and the field app share (tests/fixtures/
// questionnaire-cases.json), run against the app's check (crates/app/static/js/survey.js) with
// Node's test runner; crates/domain/tests/questionnaire_cases.rs runs them against the server's.
// Run by crates/app/tests/js.rs (`node --test`), so `cargo nextest` / `./dev test` runs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkAnswers, askedQuestions, firstErrorPerQuestion, charCount, rustTrim } from "../../static/js/survey.js";

const doc = JSON.parse(readFileSync(new URL("../../../../tests/fixtures/questionnaire-cases.json", import.meta.url), "utf8"));
const key = (e) => `${e.question} ${e.code}`;

for (const c of doc.cases) {
  test(c.name, () => {
    const q = doc.questionnaires[c.questionnaire];
    const got = checkAnswers(q, c.answers);
    assert.deepEqual(got.errors.map(key).sort(), c.errors.map(key).sort());
    for (const e of got.errors) {
      assert.equal(e.field, `answers.${e.question}`);
      assert.match(e.message, /\p{Script=Han}/u, `a Chinese message for ${e.code}: ${e.message}`);
    }
    if (!c.errors.length) {
      assert.equal(got.satisfied, c.satisfied ?? null, "satisfied");
      assert.equal(got.answered, c.answered, "answered");
    }
  });
}

test("the form asks what the check expects: asked questions follow the skip logic", () => {
  const q = doc.questionnaires.default;
  assert.ok(!askedQuestions(q, { overall: "very" }).has("reasons"));
  assert.ok(askedQuestions(q, { overall: "no" }).has("reasons"));
  assert.ok(!askedQuestions(q, { visited: "no" }).has("visit_count"));
  assert.ok(askedQuestions(q, { visited: "yes" }).has("visit_count"));
  // Answers to the questions asked, and only those, never give not-applicable.
  for (const c of doc.cases) {
    const qn = doc.questionnaires[c.questionnaire];
    const asked = askedQuestions(qn, c.answers);
    const kept = Object.fromEntries(Object.entries(c.answers).filter(([k]) => asked.has(k)));
    assert.ok(!checkAnswers(qn, kept).errors.some((e) => e.code === "not-applicable"), c.name);
  }
});

test("one error per question is shown: the first one found", () => {
  const q = doc.questionnaires.kinds;
  const { errors } = checkAnswers(q, { sat: 5, helps: ["a", "a", "x", 1] });
  assert.equal(errors.length, 3);
  const shown = firstErrorPerQuestion(errors);
  assert.equal(shown.size, 1);
  assert.equal(shown.get("helps").code, "invalid-choice");
});

test("text is measured as Rust measures it", () => {
  assert.equal(charCount("\u{20000}好"), 2);
  assert.equal(rustTrim("\u3000 好 \u0085"), "好");
  assert.equal(rustTrim("\uFEFF好"), "\uFEFF好");
});
