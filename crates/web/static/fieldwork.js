// The fieldwork pages: on a sample's page, "the village's sampled households" ticks or clears
// the village's household boxes, so what is sent is exactly what is ticked. Without this
// script the server expands the village's box itself.
"use strict";

document.querySelectorAll("input[data-select-stratum]").forEach((box) => {
  const code = box.getAttribute("data-select-stratum");
  const homes = () =>
    document.querySelectorAll(`input[name=household][data-stratum="${CSS.escape(code)}"]`);
  // The households are now sent one by one.
  box.removeAttribute("name");
  box.addEventListener("change", () => {
    homes().forEach((h) => {
      h.checked = box.checked;
    });
  });
  homes().forEach((h) =>
    h.addEventListener("change", () => {
      const all = [...homes()];
      box.checked = all.length > 0 && all.every((x) => x.checked);
    }),
  );
});
