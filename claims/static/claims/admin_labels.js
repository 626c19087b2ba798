"use strict";
// The Django admin's autocomplete boxes (select2) name themselves by their own text, which is
// empty until something is chosen, so a screen reader announces a nameless combo box. Name each
// after the label of the field it stands for (or the aria-label a tabular inline's field has),
// again whenever select2 draws a box anew (a new inline row, a choice made).
(function () {
  function labelOf(select) {
    if (select.getAttribute("aria-label")) return select.getAttribute("aria-label");
    const label = select.id ? document.querySelector('label[for="' + CSS.escape(select.id) + '"]') : null;
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }

  function nameBoxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const box = select.nextElementSibling;
      const text = labelOf(select);
      if (!text || !box || !box.classList.contains("select2")) return;
      box.querySelectorAll(".select2-selection, .select2-selection__rendered, .select2-search__field").forEach(
        function (element) {
          if (element.getAttribute("aria-label") !== text) element.setAttribute("aria-label", text);
        }
      );
      // select2 puts the clear-all cross inside the list of chosen items; it is for the mouse
      // (the keyboard clears with Backspace), and a list may hold only its items.
      box.querySelectorAll("ul.select2-selection__rendered > :not(li)").forEach(function (element) {
        element.setAttribute("aria-hidden", "true");
      });
    });
  }

  function start() {
    nameBoxes();
    // Only additions and removals are watched, so setting a name here does not wake it again.
    new MutationObserver(nameBoxes).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
