// Under a date field (input[data-date-parse]), what the date typed is understood as, while one
// types: "Understood as 1937-06-12? — possibly 12 June 1937", or why it is not understood. The
// server reads it (/dates/parse.json, the parser the form itself uses), so what is shown is what
// will be kept. Listens on the document, so a field added later (the new-source form) has it too.
// Without this script the form shows the same line when it is shown again.
(function () {
  "use strict";
  var DELAY_MS = 250;

  function show(output, data) {
    while (output.firstChild) output.removeChild(output.firstChild);
    output.classList.toggle("problem", Boolean(data.error));
    if (data.error) {
      output.textContent = data.error;
    } else if (data.edtf) {
      var code = document.createElement("code");
      code.textContent = data.edtf;
      output.appendChild(document.createTextNode("Understood as "));
      output.appendChild(code);
      output.appendChild(document.createTextNode(" — " + data.words));
    }
  }

  function ask(input) {
    var output = document.getElementById(input.id + "_reading");
    var text = input.value;
    if (!output) return;
    if (!text.trim()) { show(output, {}); return; }
    fetch(input.getAttribute("data-date-parse") + "?q=" + encodeURIComponent(text),
          {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && input.value === text) show(output, data); })
      .catch(function () { /* no reading shown; the form still checks the date */ });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-date-parse")) return;
    clearTimeout(input.readingTimer);
    input.readingTimer = setTimeout(function () { ask(input); }, DELAY_MS);
  });
})();
