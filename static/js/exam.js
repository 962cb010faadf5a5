/* The attempt page: save each answer as it changes, survive a dropped network, count down.
 *
 * Every change is PUT to /api/v1/exams/attempts/<id>/answers/<item> with the version the page
 * last saw. Unsent answers are kept in localStorage (per attempt) and sent again when the
 * network returns or the page is opened again. A 409 means another window saved a newer
 * answer: that question shows a conflict and is not overwritten. The time left comes from the
 * server; at 0 the page hands in. Without this script the form's buttons save and hand in.
 */
(function () {
  "use strict";
  var form = document.getElementById("exam-form");
  if (!form || !window.fetch) return;
  var api = form.getAttribute("data-api");
  var storeKey = "exam-pending:" + api;
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var connection = document.getElementById("exam-connection");
  var timer = document.getElementById("exam-timer");
  var sending = {};
  var finished = false;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function fieldset(id) { return document.getElementById("item-" + id); }

  function loadPending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function savePending(pending) {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* full */ }
  }

  function setState(id, text, kind) {
    var box = fieldset(id);
    if (!box) return;
    var state = box.querySelector(".exam-q-state");
    state.textContent = text || "\u00a0";
    state.className = "exam-q-state " + (kind || "muted");
  }

  function showConnection(online) {
    connection.hidden = online;
    connection.textContent = online ? "" : msg("offline");
  }

  function responseOf(box) {
    var id = box.getAttribute("data-item");
    var kind = box.getAttribute("data-kind");
    var name = "q" + id;
    if (kind === "multiple") {
      var keys = [];
      box.querySelectorAll("input[name='" + name + "']:checked").forEach(function (input) {
        keys.push(input.value);
      });
      return keys.sort();
    }
    if (kind === "single" || kind === "true_false") {
      var checked = box.querySelector("input[name='" + name + "']:checked");
      if (!checked) return null;
      if (kind === "true_false") return checked.value === "true";
      return checked.value;
    }
    var value = box.querySelector("[name='" + name + "']").value.trim();
    if (kind === "practical") return value ? { link: value } : null;
    return value || null;
  }

  function setVersion(id, version) {
    var box = fieldset(id);
    box.setAttribute("data-version", version);
    box.querySelector("input[name='v" + id + "']").value = version;
  }

  function send(id) {
    var pending = loadPending();
    var entry = pending[id];
    if (sending[id]) return sending[id];
    if (!entry) return Promise.resolve();
    setState(id, msg("saving"));
    sending[id] = fetch(api + "/answers/" + id, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ response: entry.response, version: entry.version }),
    }).then(function (reply) {
      return reply.json().then(function (body) {
        sending[id] = false;
        var now = loadPending();
        if (reply.ok) {
          setVersion(id, body.version);
          // A newer change made while this one travelled is sent next, on the new version.
          if (now[id] && JSON.stringify(now[id].response) !== JSON.stringify(entry.response)) {
            now[id].version = body.version;
            savePending(now);
            return send(id);
          }
          delete now[id];
          savePending(now);
          setState(id, msg("saved"), "saved");
        } else {
          delete now[id];
          savePending(now);
          if (reply.status === 409) {
            // Another window saved a newer answer: show it, and answer again from there.
            setVersion(id, body.version);
            applyResponse(fieldset(id), body.response);
            setState(id, body.detail || msg("conflict"), "conflict");
          } else {
            setState(id, (body && body.detail) || msg("error"), "error");
            if (body && body.code === "late" || body && body.code === "submitted") {
              finish();
            }
          }
        }
      });
    }).catch(function () {
      // No network: keep the answer on the phone and try again when the network returns.
      sending[id] = false;
      setState(id, msg("waiting"), "waiting");
      showConnection(false);
    });
    return sending[id];
  }

  function flush() {
    var pending = loadPending();
    var ids = Object.keys(pending);
    return Promise.all(ids.map(send)).then(function () {
      if (!Object.keys(loadPending()).length) showConnection(true);
    });
  }

  form.addEventListener("change", function (event) {
    var box = event.target.closest("fieldset[data-item]");
    if (!box || event.target.type === "file") return;
    var id = box.getAttribute("data-item");
    var pending = loadPending();
    var version = pending[id] ? pending[id].version : parseInt(box.getAttribute("data-version"), 10);
    pending[id] = { response: responseOf(box), version: version };
    savePending(pending);
    if (navigator.onLine === false) {
      setState(id, msg("waiting"), "waiting");
      showConnection(false);
      return;
    }
    send(id);
  });

  // A file is sent at once with its link (it cannot wait on the phone).
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file" || !event.target.files.length) return;
    var box = event.target.closest("fieldset[data-item]");
    var id = box.getAttribute("data-item");
    var data = new FormData();
    data.append("version", box.getAttribute("data-version"));
    data.append("link", box.querySelector("input[name='q" + id + "']").value.trim());
    data.append("file", event.target.files[0]);
    setState(id, msg("saving"));
    fetch(api + "/answers/" + id + "/file", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": token }, body: data,
    }).then(function (reply) {
      return reply.json().then(function (body) {
        if (reply.ok) {
          setVersion(id, body.version);
          setState(id, msg("saved"), "saved");
          event.target.value = "";
        } else {
          setState(id, reply.status === 409 ? msg("conflict") : body.detail, "error");
        }
      });
    }).catch(function () { setState(id, msg("error"), "error"); showConnection(false); });
  });

  // Put a response back into a question's inputs (from the phone's store or the server).
  function applyResponse(box, response) {
    var id = box.getAttribute("data-item");
    var kind = box.getAttribute("data-kind");
    box.querySelectorAll("[name='q" + id + "']").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (kind === "multiple") input.checked = (response || []).indexOf(input.value) >= 0;
        else if (kind === "true_false") input.checked = response !== null && input.value === String(response);
        else input.checked = input.value === response;
      } else if (kind === "practical") {
        input.value = response ? response.link : "";
      } else {
        input.value = response || "";
      }
    });
  }

  // Answers left on the phone by an earlier visit: show them, then send them.
  (function restore() {
    var pending = loadPending();
    Object.keys(pending).forEach(function (id) {
      var box = fieldset(id);
      if (!box) { delete pending[id]; return; }
      applyResponse(box, pending[id].response);
      setState(id, msg("waiting"), "waiting");
    });
    savePending(pending);
  })();

  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { showConnection(false); });
  setInterval(function () { if (Object.keys(loadPending()).length) flush(); }, 15000);
  flush();

  // The time left, counted from the server's figure (the phone's clock may be wrong).
  var remaining = parseInt(form.getAttribute("data-remaining"), 10);
  var endsAt = Date.now() + remaining * 1000;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function finish() {
    if (finished) return;
    finished = true;
    form.querySelector("#submit-exam").click();
  }
  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var hours = Math.floor(left / 3600);
    var text = (hours ? hours + ":" : "") + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
    timer.textContent = msg("left") + " " + text;
    timer.classList.toggle("exam-timer-low", left < 300);
    if (left === 0) {
      timer.textContent = msg("timeup");
      clearInterval(clock);
      finish();
    }
  }
  var clock = setInterval(tick, 1000);
  tick();

  // Handing in: send what is waiting first, so the last answers are not lost.
  form.addEventListener("submit", function (event) {
    if (form.getAttribute("data-flushed")) return;
    var pending = loadPending();
    if (!Object.keys(pending).length || finished) {
      try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
      return;
    }
    event.preventDefault();
    var button = event.submitter;
    flush().then(function () {
      form.setAttribute("data-flushed", "1");
      if (button) button.click(); else form.submit();
    });
  });
})();
