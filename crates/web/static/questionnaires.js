// The questionnaire editor works without this script. With it: each question shows only the
// settings of its kind, the phone preview follows the form as it is typed (the server renders the
// preview, the same markup as without the script), and answering in the preview applies the skip
// logic as the field app does (crates/app/static/js/survey.js: a question is asked when its
// condition holds on the answers of earlier asked questions; for a multiple choice, when the
// selection contains the value; numbers compare by value).
(function () {
  "use strict";

  function sameValue(a, b) {
    if (typeof a === "number" && typeof b === "number") return a === b;
    return a === b;
  }
  function matches(equals, answer) {
    if (Array.isArray(answer)) return answer.some(function (v) { return sameValue(v, equals); });
    return sameValue(answer, equals);
  }

  function answerOf(block) {
    var type = block.dataset.type;
    if (type === "multiple_choice") {
      var picked = Array.prototype.map.call(block.querySelectorAll("input:checked"), function (i) { return i.value; });
      return picked.length ? picked : null;
    }
    if (type === "single_choice" || type === "scale") {
      var one = block.querySelector("input:checked");
      if (!one) return null;
      return type === "scale" ? Number(one.value) : one.value;
    }
    var field = block.querySelector("input, textarea");
    if (!field || field.value.trim() === "") return null;
    return type === "number" ? Number(field.value) : field.value.trim();
  }

  function applySkipLogic(form) {
    var visible = new Map();
    form.querySelectorAll(".question").forEach(function (block) {
      var on = block.dataset.showIf;
      var shown = true;
      if (on) {
        var equals;
        try { equals = JSON.parse(block.dataset.equals); } catch (e) { equals = block.dataset.equals; }
        shown = visible.has(on) && matches(equals, visible.get(on));
      }
      block.hidden = !shown;
      if (!shown) return;
      var a = answerOf(block);
      if (a !== null) visible.set(block.dataset.question, a);
    });
  }

  function watchPreview() {
    var form = document.getElementById("preview-form");
    if (!form) return;
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("change", function () { applySkipLogic(form); });
    form.addEventListener("input", function () { applySkipLogic(form); });
    applySkipLogic(form);
  }

  function showKindFields(fieldset) {
    var select = fieldset.querySelector("select[name$='.kind']");
    if (select) fieldset.dataset.kind = select.value;
  }

  var editor = document.getElementById("q-editor");
  var preview = document.getElementById("preview");
  watchPreview();
  if (!editor || !preview) return;
  editor.classList.add("js-on");
  editor.querySelectorAll("fieldset.q-edit").forEach(showKindFields);

  var timer = null;
  var pending = null;
  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    var body = new URLSearchParams(new FormData(editor));
    fetch("/ui/questionnaires/preview", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        preview.replaceChildren.apply(preview, Array.prototype.slice.call(doc.body.childNodes));
        preview.dataset.fresh = String(Date.now());
        watchPreview();
      })
      .catch(function () { /* the preview stays as it was */ });
  }
  function later(e) {
    if (e.target && e.target.name && /\.kind$/.test(e.target.name)) showKindFields(e.target.closest("fieldset"));
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  editor.addEventListener("input", later);
  editor.addEventListener("change", later);
})();
