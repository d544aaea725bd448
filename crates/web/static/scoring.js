// The review queues work without this script; it adds keyboard navigation like the photo
// review's: J next entry, K previous, C writes a comment on the entry (its first item), Escape
// leaves a field.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".queue-item"));
  if (!items.length) return;
  var at = -1;
  function go(step) {
    at = Math.max(0, Math.min(items.length - 1, at + step));
    items.forEach(function (el, i) { el.classList.toggle("current", i === at); });
    items[at].focus();
    items[at].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key.toLowerCase()) {
      case "j": go(1); break;
      case "k": go(-1); break;
      case "c": {
        if (at < 0) go(1);
        var first = items[at].querySelector("input[type=text], textarea");
        if (first) { e.preventDefault(); first.focus(); }
        break;
      }
      default: return;
    }
  });
})();
