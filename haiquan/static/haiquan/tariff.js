/* The classification assistant's suggestions in the declaration form: "Use this code" fills the
   goods line's HS code and unit. Loaded by each line's widget; installs itself once. */
(function () {
  "use strict";
  if (window.haiquanTariffAssist) { return; }
  window.haiquanTariffAssist = true;
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-action='use-hs-suggestion']");
    if (!el) { return; }
    event.preventDefault();
    var line = el.closest("[data-line]");
    if (!line) { return; }
    var code = line.querySelector("[name=hs_code]");
    var unit = line.querySelector("[name=unit]");
    if (code) {
      code.value = el.getAttribute("data-code");
      code.dispatchEvent(new Event("input", { bubbles: true }));
      code.focus();
    }
    if (unit && el.getAttribute("data-unit")) {
      unit.value = el.getAttribute("data-unit");
      unit.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
