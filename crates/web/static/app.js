// The office's pages work without this script; it adds keyboard shortcuts for going through a
// gallery quickly: J next photo, K previous, A accept, R write a rejection reason (Ctrl+Enter sends).
(function () {
  "use strict";
  var KEY = "fieldcheck-gallery";
  var grid = document.getElementById("gallery");
  if (grid) {
    var back = location.search.replace(/^\?/, "").replace(/(^|&)after=[^&]*/, "");
    sessionStorage.setItem(KEY, JSON.stringify({ ids: grid.dataset.ids.split(","), back: back }));
  }
  var form = document.getElementById("review-form");
  if (!form) return;
  var reason = document.getElementById("reason");
  var here = location.pathname.split("/")[3];
  function go(step) {
    var saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (!saved) return;
    var i = saved.ids.indexOf(here);
    var next = saved.ids[i + step];
    if (i >= 0 && next) {
      location.href = "/ui/photos/" + next + "?back=" + encodeURIComponent(saved.back);
    }
  }
  form.addEventListener("submit", function (e) {
    var reject = e.submitter && e.submitter.value === "reject";
    if (reject && !reason.value.trim()) {
      e.preventDefault();
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
    }
  });
  document.addEventListener("keydown", function (e) {
    var typing = e.target === reason || /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (typing) {
      if (e.target === reason && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        document.getElementById("reject").click();
      } else if (e.key === "Escape") {
        e.target.blur();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key.toLowerCase()) {
      case "j": go(1); break;
      case "k": go(-1); break;
      case "a": document.getElementById("accept").click(); break;
      case "r": e.preventDefault(); reason.focus(); break;
      default: return;
    }
  });
})();
