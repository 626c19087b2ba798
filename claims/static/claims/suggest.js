// Type-ahead for the claim list's source and person filters: as one types, the field's
// <datalist> is filled with matches from its JSON endpoint (data-suggest). Without this
// script the fields still work: what is typed is matched when the form is submitted.
(function () {
  "use strict";
  var DELAY_MS = 200;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var endpoint = input.getAttribute("data-suggest");
    var timer = null;
    var asked = "";
    if (!list || !endpoint) return;

    function fill(results) {
      while (list.firstChild) list.removeChild(list.firstChild);
      results.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.value;
        option.textContent = item.label;  // text, never HTML
        option.label = item.label;
        list.appendChild(option);
      });
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < 2 || text === asked) return;
      asked = text;
      fetch(endpoint + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) { if (input.value.trim() === text) fill(data.results || []); })
        .catch(function () { /* no suggestions; the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
  }

  document.querySelectorAll("input[data-suggest][list]").forEach(attach);
})();
