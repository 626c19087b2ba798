// Type-ahead for fields that name a source or a person (the claim list's filters, the citation
// and claim forms): as one types, the field's <datalist> is filled with matches from its JSON
// endpoint (data-suggest). A field with data-separator names several: the suggestions are for
// the text after the last separator, each option the earlier names followed by the match's key.
// Without this script the fields still work: what is typed is matched when the form is submitted.
(function () {
  "use strict";
  var DELAY_MS = 200;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var endpoint = input.getAttribute("data-suggest");
    var separator = input.getAttribute("data-separator") || "";
    var timer = null;
    var asked = "";
    if (!list || !endpoint) return;

    // {before: the earlier names as typed, up to and with the last separator; typed: the name being typed}
    function split() {
      var value = input.value;
      var at = separator ? value.lastIndexOf(separator) : -1;
      if (at < 0) return {before: "", typed: value.trim()};
      return {before: value.slice(0, at + separator.length), typed: value.slice(at + separator.length).trim()};
    }

    function fill(results, before) {
      var prefix = before ? before.replace(/\s+$/, "") + " " : "";
      var typed = input.value.trim();
      while (list.firstChild) list.removeChild(list.firstChild);
      results.forEach(function (item) {
        var option = document.createElement("option");
        option.value = prefix + item.value;
        // The browser lists only options whose value or label holds the whole input, so with
        // several names the label starts with what is typed.
        var label = separator ? typed + " → " + item.label : item.label;
        option.textContent = label;  // text, never HTML
        option.label = label;
        list.appendChild(option);
      });
    }

    function ask() {
      var now = split();
      var text = now.typed;
      if (text.length < 2 || input.value === asked) return;
      asked = input.value;
      fetch(endpoint + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) {
          var later = split();
          if (later.typed === text && later.before === now.before) fill(data.results || [], now.before);
        })
        .catch(function () { /* no suggestions; the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
  }

  document.querySelectorAll("input[data-suggest][list]").forEach(attach);
})();
