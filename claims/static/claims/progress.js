// A background job's page (job_detail.html): asks the job's progress.json once a second and
// shows it in the <progress> bar and the status line; reloads the page when the job is over,
// which then shows its outcome. (A static file: the Content-Security-Policy allows no inline script.)
(function () {
  "use strict";
  var section = document.querySelector("[data-progress-url]");
  if (!section) return;
  var bar = document.getElementById("job-bar");
  var status = document.getElementById("job-status");
  var url = section.getAttribute("data-progress-url");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        bar.value = state.fraction;
        bar.textContent = Math.round(state.fraction * 100) + " %";
        status.textContent = state.message;
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);  // (the server restarting, the network gone: try again later)
      });
  }
  window.setTimeout(poll, 500);
})();
