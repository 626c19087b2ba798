// A people field (fields.PeopleWidget) as chips and a type-ahead. The field's own text input,
// which the form posts (slugs separated by "|"), becomes hidden and follows the chips; a search
// box suggests people from data-people-picker (people/suggest.json) and, when the name typed is
// nobody's, offers to add it: POSTed (with the form's CSRF token) to data-people-add
// (people/add.json), which answers the new person's slug, or the errors to show.
// Without this script the text input stays as it is: names typed, matched on submit.
(function () {
  "use strict";
  var DELAY_MS = 200;

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;  // text, never HTML
    return element;
  }

  function attach(input) {
    var separator = input.getAttribute("data-separator") || "|";
    var suggestUrl = input.getAttribute("data-people-picker");
    var addUrl = input.getAttribute("data-people-add");
    var chosen = JSON.parse(input.getAttribute("data-chosen") || "[]");
    var form = input.form;
    var timer = null;
    var asked = "";

    var box = make("div", "people-picker");
    var chips = make("ul", "chips");
    var search = make("input");
    var options = make("ul", "picker-options");
    var status = make("p", "picker-status");
    // The label and help text belong to what one types in now.
    search.type = "text";
    search.id = input.id;
    input.id = input.id + "_value";
    search.setAttribute("autocomplete", "off");
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-controls", search.id + "_options");
    if (input.getAttribute("aria-describedby")) search.setAttribute("aria-describedby", input.getAttribute("aria-describedby"));
    search.placeholder = "Type a name to find or add someone";
    options.id = search.id + "_options";
    options.setAttribute("role", "listbox");
    options.hidden = true;
    chips.setAttribute("aria-label", "Chosen people");
    status.setAttribute("role", "status");
    input.type = "hidden";
    input.parentNode.insertBefore(box, input);
    box.appendChild(chips);
    box.appendChild(search);
    box.appendChild(options);
    box.appendChild(status);
    box.appendChild(input);

    function sync() {
      input.value = chosen.map(function (person) { return person.value; }).join(" " + separator + " ");
      while (chips.firstChild) chips.removeChild(chips.firstChild);
      chosen.forEach(function (person, index) {
        var chip = make("li", "chip");
        var remove = make("button", "chip-remove", "×");
        chip.appendChild(make("span", "", person.label));
        remove.type = "button";
        remove.setAttribute("aria-label", "Remove " + person.label);
        remove.addEventListener("click", function () {
          chosen.splice(index, 1);
          sync();
          search.focus();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

    function close() {
      while (options.firstChild) options.removeChild(options.firstChild);
      options.hidden = true;
      search.setAttribute("aria-expanded", "false");
    }

    function choose(person) {
      var already = chosen.some(function (other) { return other.value === person.value; });
      if (!already) chosen.push(person);
      sync();
      search.value = "";
      asked = "";
      status.textContent = already ? person.label + " is chosen already." : "";
      close();
      search.focus();
    }

    function option(label, onChoose, className) {
      var item = make("li", className || "");
      var button = make("button", "", label);
      item.setAttribute("role", "option");
      button.type = "button";
      button.addEventListener("click", onChoose);
      item.appendChild(button);
      options.appendChild(item);
    }

    function add(name) {
      var data = new FormData();
      data.append("name", name);
      status.textContent = "Adding " + name + "…";
      fetch(addUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: {Accept: "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value},
      })
        .then(function (response) {
          if (response.status === 403) return {errors: {"": ["You may not add people."]}};
          return response.json();
        })
        .then(function (answer) {
          if (answer.value) {
            choose(answer);
            status.textContent = answer.label + " was added as a new person.";
          } else {
            var messages = [];
            Object.keys(answer.errors || {}).forEach(function (name) { messages = messages.concat(answer.errors[name]); });
            status.textContent = "Not added: " + messages.join(" ");
          }
        })
        .catch(function () { status.textContent = "Not added: the server could not be reached."; });
    }

    function fill(results, text) {
      close();
      var exact = false;
      results.forEach(function (person) {
        var name = person.label.split(" (")[0];
        if (name.toLowerCase() === text.toLowerCase()) exact = true;
        option(person.label, function () { choose(person); });
      });
      if (addUrl && !exact) option("Add “" + text + "” as a new person", function () { add(text); }, "picker-add");
      options.hidden = false;
      search.setAttribute("aria-expanded", "true");
    }

    function ask() {
      var text = search.value.trim();
      if (text.length < 2) { close(); return; }
      if (text === asked) return;
      asked = text;
      fetch(suggestUrl + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) { if (search.value.trim() === text) fill(data.results || [], text); })
        .catch(function () { /* no suggestions; names can still be added on their own page */ });
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Enter chooses the first suggestion rather than sending the form half filled.
        event.preventDefault();
        var first = options.querySelector("button");
        if (first) first.click();
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "ArrowDown") {
        var next = options.querySelector("button");
        if (next) { event.preventDefault(); next.focus(); }
      }
    });
    options.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(options.querySelectorAll("button"));
      var at = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < buttons.length - 1) { event.preventDefault(); buttons[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? buttons[at - 1] : search).focus(); }
      if (event.key === "Escape") { close(); search.focus(); }
    });
    sync();
  }

  document.querySelectorAll("input[data-people-picker]").forEach(attach);
})();
