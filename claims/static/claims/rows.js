// A claim's statement in a table of claims is clipped to three lines (site.css .clamp): a
// "more" button after each one that was clipped shows the rest, "less" clips it again.
(function () {
  "use strict";
  document.querySelectorAll("table.claims .clamp").forEach(function (text) {
    if (text.scrollHeight <= text.clientHeight + 1) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link more";
    button.textContent = "more";
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = text.classList.toggle("expanded");
      button.textContent = open ? "less" : "more";
      button.setAttribute("aria-expanded", String(open));
    });
    text.parentNode.after(" ", button);
  });
})();
