// Follows training file builds on /admin/training-files/class/<id>/.
// Each row of a queued or building version carries data-trainingfile-status-url; this polls
// that JSON endpoint every few seconds and updates the row until the build is ready or failed.
(function () {
  "use strict";

  var INTERVAL_MS = 2500;
  var MAX_POLLS = 720; // half an hour, the server's build timeout

  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }

  function show(row, data) {
    var progress = field(row, "progress");
    if (progress) progress.value = data.progress;
    var percent = field(row, "percent");
    if (percent) percent.textContent = data.progress + "%";
    var step = field(row, "step");
    if (step) step.textContent = data.step || "";
    var status = field(row, "status");
    if (status) status.textContent = data.status_label;
    if (data.status === "ready" && data.download_url) {
      var link = field(row, "download");
      if (link) {
        link.href = data.download_url;
        link.hidden = false;
      }
    }
    if (data.status === "failed") {
      var error = field(row, "error");
      if (error) {
        error.textContent = data.error;
        error.hidden = false;
      }
    }
  }

  function finished(data) {
    return data.status === "ready" || data.status === "failed";
  }

  function enableBuildButton() {
    if (document.querySelector("[data-trainingfile-status-url]")) return;
    var form = document.querySelector("[data-trainingfile-build]");
    if (!form) return;
    var button = form.querySelector("button");
    if (button) button.disabled = false;
    var note = form.querySelector("[data-trainingfile-running]");
    if (note) note.hidden = true;
  }

  function follow(row) {
    var url = row.getAttribute("data-trainingfile-status-url");
    var polls = 0;

    function poll() {
      polls += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          show(row, data);
          if (finished(data)) {
            row.removeAttribute("data-trainingfile-status-url");
            enableBuildButton();
          } else if (polls < MAX_POLLS) {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () {
          if (polls < MAX_POLLS) window.setTimeout(poll, INTERVAL_MS * 2);
        });
    }

    window.setTimeout(poll, INTERVAL_MS);
  }

  document.querySelectorAll("[data-trainingfile-status-url]").forEach(follow);
})();
