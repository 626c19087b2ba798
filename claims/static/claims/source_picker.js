// "New source" beside a source field (fields.SourceWidget): opens the small form waiting in the
// field's <template> inside this form, and "Add this source" POSTs it (with the form's CSRF
// token) to data-source-add (sources/add.json). The new source's key fills the field; a refusal
// shows each message beside its field of the small form, and nothing is added.
// Without this script the field's help links to the "Add a source" page.
(function () {
  "use strict";

  function attach(input) {
    var template = document.getElementById(input.id + "_new");
    var url = input.getAttribute("data-source-add");
    var form = input.form;
    var panel = null;
    if (!template || !url) return;

    var open = document.createElement("button");
    var done = document.createElement("p");
    open.type = "button";
    open.className = "secondary new-source";
    open.textContent = "New source";
    open.setAttribute("aria-expanded", "false");
    done.className = "picker-status";
    done.setAttribute("role", "status");
    var after = input.nextElementSibling && input.nextElementSibling.tagName === "DATALIST" ? input.nextElementSibling : input;
    after.parentNode.insertBefore(done, after.nextSibling);
    after.parentNode.insertBefore(open, after.nextSibling);

    function clearErrors() {
      panel.querySelectorAll(".quick-error").forEach(function (element) { element.remove(); });
      panel.querySelector("[data-quick-errors]").textContent = "";
    }

    function showErrors(errors) {
      clearErrors();
      var loose = [];
      Object.keys(errors).forEach(function (name) {
        var field = name && panel.querySelector("[name='new_source-" + name + "']");
        if (!field) { loose = loose.concat(errors[name]); return; }
        var message = document.createElement("p");
        message.className = "quick-error errors";
        message.setAttribute("role", "alert");
        message.textContent = errors[name].join(" ");
        field.closest(".field").appendChild(message);
      });
      panel.querySelector("[data-quick-errors]").textContent =
        "The source was not added: " + (loose.length ? loose.join(" ") : "see the marked fields.");
    }

    function close() {
      if (panel) panel.remove();
      panel = null;
      open.setAttribute("aria-expanded", "false");
      open.hidden = false;
    }

    function save() {
      var data = new FormData();
      panel.querySelectorAll("[name^='new_source-']").forEach(function (field) { data.append(field.name, field.value); });
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: {Accept: "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value},
      })
        .then(function (response) {
          if (response.status === 403) return {errors: {"": ["You may not add sources."]}};
          return response.json();
        })
        .then(function (answer) {
          if (!answer.value) { showErrors(answer.errors || {}); return; }
          input.value = answer.value;
          close();
          done.textContent = "Added the source " + answer.label + "; it is chosen above.";
          input.focus();
        })
        .catch(function () { showErrors({"": ["the server could not be reached."]}); });
    }

    open.addEventListener("click", function () {
      done.textContent = "";
      panel = template.content.firstElementChild.cloneNode(true);
      open.parentNode.insertBefore(panel, open.nextSibling);
      open.hidden = true;
      open.setAttribute("aria-expanded", "true");
      // What was typed and matched nothing is most likely the title.
      var title = panel.querySelector("[name='new_source-title']");
      if (input.value.trim()) title.value = input.value.trim();
      panel.querySelector("[data-quick-save]").addEventListener("click", save);
      panel.querySelector("[data-quick-cancel]").addEventListener("click", function () { close(); input.focus(); });
      // Enter in the small form adds the source, not the citation half filled.
      panel.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && event.target.tagName !== "TEXTAREA") { event.preventDefault(); save(); }
      });
      title.focus();
    });
  }

  document.querySelectorAll("input[data-source-add]").forEach(attach);
})();
