/* The attempt page: save each answer as it changes, survive a dropped network, count down.
 *
 * Every change is PUT to /api/v1/exams/attempts/<id>/answers/<item> with the version the page
 * last saw. Unsent answers are kept in localStorage (per attempt) and sent again when the
 * network returns, every 15 s, or when the page is opened again. A 409 means another window
 * saved a newer answer: that question shows a conflict and is not overwritten. The time left
 * comes from the server; at 0 the page hands in. Without this script the form's buttons save
 * and hand in.
 *
 * A practical task's file waits the same way, in IndexedDB (localStorage cannot hold files):
 * one file per attempt and question, the newest chosen, POSTed with the question's link under
 * the same rules and version check (an older file never replaces a newer one). One save per
 * question travels at a time, so the link and the file never race each other, and a save of
 * this page moves the version the other waits on. Waiting saves go one after another, answers
 * before files. A file bigger than the server's limit is refused here with the server's
 * message. Files the server refuses because the attempt has ended, and files still waiting
 * when it ends, are named on the result page (which runs this script too).
 */
(function () {
  "use strict";

  // --- The phone's file store ---------------------------------------------------------------
  var FILE_DB = "exam-files";
  var FILE_STORE = "files";
  var database = null;

  function openDatabase() {
    if (!database) {
      database = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = indexedDB.open(FILE_DB, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(FILE_STORE, { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return database;
  }

  // Run work(store, done) in one transaction; resolves with what done() was given, once stored.
  function inFileStore(mode, work) {
    return openDatabase().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(FILE_STORE, mode);
        var result;
        work(transaction.objectStore(FILE_STORE), function (value) { result = value; });
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function storedFiles(api) {
    return inFileStore("readonly", function (store, done) {
      var request = store.getAll();
      request.onsuccess = function () {
        done(request.result.filter(function (entry) { return entry.api === api; }));
      };
    }).catch(function () { return []; });
  }

  function storeFile(entry) {
    return inFileStore("readwrite", function (store) { store.put(entry); })
      .then(function () { entry.stored = true; }, function () { /* kept in memory only */ });
  }

  function storedFile(key) {
    return inFileStore("readonly", function (store, done) {
      var request = store.get(key);
      request.onsuccess = function () { done(request.result || null); };
    });
  }

  // Delete the stored file if it is still this one; resolves with a newer one stored instead.
  function unstoreFile(entry) {
    return inFileStore("readwrite", function (store, done) {
      var request = store.get(entry.key);
      request.onsuccess = function () {
        var stored = request.result;
        if (stored && stored.stamp === entry.stamp) store.delete(entry.key);
        else done(stored || null);
      };
    }).catch(function () { return null; });
  }

  function named(template, name) { return (template || "").replace("{name}", name); }

  // --- The result page: name the files that never reached the server ------------------------
  var unsent = document.getElementById("exam-unsent");
  if (unsent) {
    var noteKey = "exam-unsent:" + unsent.getAttribute("data-api");
    var notes;
    try { notes = JSON.parse(localStorage.getItem(noteKey) || "[]"); } catch (e) { notes = []; }
    storedFiles(unsent.getAttribute("data-api")).then(function (entries) {
      entries.forEach(function (entry) {
        notes.push({ name: entry.name, reason: entry.refused || unsent.getAttribute("data-msg-reason") });
        unstoreFile(entry);
      });
      try { localStorage.setItem(noteKey, JSON.stringify(notes)); } catch (e) { /* full */ }
      var list = unsent.querySelector("ul");
      notes.forEach(function (note) {
        var line = document.createElement("li");
        line.textContent = named(unsent.getAttribute("data-msg-file-unsent"), note.name) + " " + note.reason;
        list.appendChild(line);
      });
      unsent.hidden = !notes.length;
    });
    return;
  }

  // --- The attempt page ---------------------------------------------------------------------
  var form = document.getElementById("exam-form");
  if (!form || !window.fetch) return;
  var api = form.getAttribute("data-api");
  var storeKey = "exam-pending:" + api;
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var connection = document.getElementById("exam-connection");
  var timer = document.getElementById("exam-timer");
  var maxFileBytes = parseInt(form.getAttribute("data-max-file"), 10) || 0;
  var busy = {};    // question id -> the save in flight
  var again = {};   // question id -> changed while a save was in flight
  var files = {};   // question id -> the newest file waiting for it (also in IndexedDB)
  var loaded = false;
  var leaving = false;
  var finished = false;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function fieldset(id) { return document.getElementById("item-" + id); }

  function loadPending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function savePending(pending) {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* full */ }
  }
  function waitingIds() {
    var ids = Object.keys(loadPending());
    Object.keys(files).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
    return ids;
  }

  function setState(id, text, kind) {
    var box = fieldset(id);
    if (!box) return;
    var state = box.querySelector(".exam-q-state");
    state.textContent = text || "\u00a0";
    state.className = "exam-q-state " + (kind || "muted");
  }

  function setFileState(id, text, kind) {
    var line = document.getElementById("file-state-" + id);
    if (!line) return;
    line.textContent = text;
    line.setAttribute("data-state", kind);
    line.className = "exam-file-state " + kind;
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

  // The version a new change of this question builds on: the one its waiting saves build on.
  function baseVersion(id) {
    if (files[id]) return files[id].version;
    var pending = loadPending();
    if (pending[id]) return pending[id].version;
    return parseInt(fieldset(id).getAttribute("data-version"), 10);
  }

  // This page saved the question from version `from` to `to`: what waited on `from` moves on.
  function rebaseFile(id, from, to) {
    var entry = files[id];
    if (entry && entry.version === from) {
      entry.version = to;
      storeFile(entry);
    }
  }

  function forgetFile(id, entry) {
    if (files[id] === entry) delete files[id];
    return unstoreFile(entry).then(function (newer) {
      // Another window of this attempt chose a newer file meanwhile: it goes next.
      if (newer && !newer.refused && (!files[id] || files[id].stamp < newer.stamp)) {
        newer.stored = true;
        files[id] = newer;
      }
    });
  }

  // One save per question at a time: a file (with the link) if one waits, else the answer.
  function sendItem(id) {
    if (!loaded) return ready.then(function () { return sendItem(id); });
    if (busy[id]) { again[id] = true; return busy[id]; }
    again[id] = false;
    var job;
    if (files[id]) job = sendFile(id);
    else if (loadPending()[id]) job = sendAnswer(id);
    else return Promise.resolve();
    busy[id] = job.then(function (more) {
      busy[id] = null;
      if (more || again[id]) return sendItem(id);
    }, function (error) {
      busy[id] = null;
      throw error;
    });
    return busy[id];
  }

  // Resolves {reply, body}; body is null when the reply is not the API's JSON (a proxy's page).
  function post(url, options) {
    options.credentials = "same-origin";
    return fetch(url, options).then(function (reply) {
      return reply.json().then(function (body) {
        return { reply: reply, body: body };
      }, function () {
        return { reply: reply, body: null };
      });
    });
  }

  function stillWaiting(id) {
    setState(id, msg("waiting"), "waiting");
    showConnection(false);
    return false;
  }

  function ended(body) { return body && (body.code === "late" || body.code === "submitted"); }

  // Resolves true when more of this question waits to be sent now.
  function sendAnswer(id) {
    var entry = loadPending()[id];
    setState(id, msg("saving"));
    return post(api + "/answers/" + id, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ response: entry.response, version: entry.version }),
    }).then(function (result) {
      var reply = result.reply, body = result.body;
      if (!body) return stillWaiting(id);
      var now = loadPending();
      if (reply.ok) {
        setVersion(id, body.version);
        rebaseFile(id, entry.version, body.version);
        // A newer change made while this one travelled is sent next, on the new version.
        if (now[id] && JSON.stringify(now[id].response) !== JSON.stringify(entry.response)) {
          now[id].version = body.version;
          savePending(now);
          return true;
        }
        delete now[id];
        savePending(now);
        if (files[id]) return true;
        setState(id, msg("saved"), "saved");
        return false;
      }
      delete now[id];
      savePending(now);
      if (reply.status === 409) {
        // Another window saved a newer answer: show it, and answer again from there.
        setVersion(id, body.version);
        applyResponse(fieldset(id), body.response);
        setState(id, body.detail || msg("conflict"), "conflict");
        return dropFile(id, body.detail || msg("conflict")).then(function () { return false; });
      }
      setState(id, (body && body.detail) || msg("error"), "error");
      if (ended(body)) finish();
      return false;
    }, function () {
      // No network: keep the answer on the phone and try again when the network returns.
      return stillWaiting(id);
    });
  }

  // A file waiting for a question that another window changed can never be sent.
  function dropFile(id, reason) {
    var entry = files[id];
    if (!entry) return Promise.resolve();
    setFileState(id, named(msg("file-unsent"), entry.name) + " " + reason, "error");
    return forgetFile(id, entry);
  }

  // Resolves true when more of this question waits to be sent now.
  function sendFile(id) {
    var entry = files[id];
    // Another window of this attempt may have stored a newer file for the question.
    var newest = entry.stored
      ? storedFile(entry.key).catch(function () { return entry; })
      : Promise.resolve(entry);
    return newest.then(function (stored) {
      if (!stored) {  // sent from another window of this attempt
        if (files[id] === entry) delete files[id];
        setFileState(id, "", "muted");
        return Boolean(loadPending()[id]);
      }
      if (stored.stamp > entry.stamp && !stored.refused) {
        stored.stored = true;
        files[id] = entry = stored;
      }
      return uploadFile(id, entry);
    });
  }

  function uploadFile(id, entry) {
    // The link travels with the file (the server saves both): the newest one typed.
    var link = fieldset(id).querySelector("input[name='q" + id + "']").value.trim();
    var data = new FormData();
    data.append("version", entry.version);
    data.append("link", link);
    data.append("file", entry.file, entry.name);
    setState(id, msg("saving"));
    setFileState(id, named(msg("file-uploading"), entry.name), "saving");
    return post(api + "/answers/" + id + "/file", {
      method: "POST",
      headers: { "X-CSRFToken": token },
      body: data,
    }).then(function (result) {
      // A proxy's error page: try again later if the server is in trouble, else refused.
      if (!result.body && (result.reply.ok || result.reply.status >= 500)) {
        return fileWaits(id, entry);
      }
      return fileReply(id, entry, link, result.reply, result.body);
    }, function () {
      return fileWaits(id, entry);
    });
  }

  // No network, or no answer the page can read: the file waits on the phone.
  function fileWaits(id, entry) {
    if (files[id] === entry) setFileState(id, named(msg("file-waiting"), entry.name), "waiting");
    return stillWaiting(id);
  }

  function fileReply(id, entry, link, reply, body) {
    var pending = loadPending();
    if (reply.ok) {
      setVersion(id, body.version);
      // The link went with the file: a waiting link equal to it is saved, a newer one moves on.
      if (pending[id]) {
        if (JSON.stringify(pending[id].response) === JSON.stringify(link ? { link: link } : null)) {
          delete pending[id];
        } else {
          pending[id].version = body.version;
        }
        savePending(pending);
      }
      return forgetFile(id, entry).then(function () {
        if (files[id]) {  // a newer file, chosen while this one travelled, goes next
          rebaseFile(id, entry.version, body.version);
          return true;
        }
        setFileState(id, named(msg("file-sent"), entry.name), "saved");
        if (loadPending()[id]) return true;
        setState(id, msg("saved"), "saved");
        return false;
      });
    }
    var detail = (body && body.detail) || msg("error");
    if (reply.status === 409 && body) {
      // Another window saved this question since: its answer stays; this file is not sent.
      delete pending[id];
      savePending(pending);
      setVersion(id, body.version);
      applyResponse(fieldset(id), body.response);
      setState(id, detail, "conflict");
      setFileState(id, named(msg("file-unsent"), entry.name) + " " + detail, "error");
      if (files[id] !== entry) dropFile(id, detail);
      return forgetFile(id, entry).then(function () { return false; });
    }
    setState(id, detail, "error");
    setFileState(id, named(msg("file-unsent"), entry.name) + " " + detail, "error");
    if (ended(body)) {
      // Time is up or the attempt was handed in: the result page names the file with the
      // server's message, and the phone lets it go there.
      var last = files[id] || entry;  // a newer choice is the one the trainee meant
      delete files[id];
      last.refused = detail;
      return storeFile(last).then(function () {
        finish();
        return false;
      });
    }
    // Refused for good (the file or the link): say why and do not send it again.
    return forgetFile(id, entry).then(function () { return Boolean(files[id] || loadPending()[id]); });
  }

  // One question after another, typed and chosen answers before files: on a weak network the
  // small saves do not wait behind a large upload.
  function flush() {
    if (leaving) return Promise.resolve();
    var ids = waitingIds().sort(function (a, b) { return (files[a] ? 1 : 0) - (files[b] ? 1 : 0); });
    return ids.reduce(function (chain, id) {
      return chain.then(function () { return sendItem(id); });
    }, Promise.resolve()).then(function () {
      if (!waitingIds().length) showConnection(true);
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
      stillWaiting(id);
      return;
    }
    sendItem(id);
  });

  // A chosen file is kept on the phone first, then sent; the newest choice replaces the last.
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !input.files.length) return;
    var id = input.closest("fieldset[data-item]").getAttribute("data-item");
    var file = input.files[0];
    // The page sends it; the form's buttons must not send it a second time.
    input.value = "";
    if (maxFileBytes && file.size > maxFileBytes) {
      setState(id, msg("too-large"), "error");
      return;
    }
    var entry = {
      key: api + "#" + id,
      api: api,
      item: id,
      file: file,
      name: file.name,
      version: baseVersion(id),
      stamp: Math.max(Date.now(), files[id] ? files[id].stamp + 1 : 0),
    };
    files[id] = entry;
    setFileState(id, named(msg("file-waiting"), entry.name), "waiting");
    storeFile(entry).then(function () {
      if (navigator.onLine === false) stillWaiting(id);
      else sendItem(id);
    });
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

  // Files left on the phone by an earlier visit, the same.
  var ready = storedFiles(api).then(function (entries) {
    entries.forEach(function (entry) {
      var id = String(entry.item);
      if (entry.refused) return;  // for the result page
      if (!fieldset(id)) { unstoreFile(entry); return; }
      if (files[id] && files[id].stamp >= entry.stamp) return;
      entry.stored = true;
      files[id] = entry;
      setFileState(id, named(msg("file-waiting"), entry.name), "waiting");
      setState(id, msg("waiting"), "waiting");
    });
    loaded = true;
  });

  // A page on its way out starts no save: it would be cut off (a file mid-upload wastes the
  // phone's data), and the next visit sends what waits. A page that stays after all carries on.
  window.addEventListener("beforeunload", function () {
    leaving = true;
    setTimeout(function () { leaving = false; }, 3000);
  });
  window.addEventListener("pageshow", function () { leaving = false; });
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { showConnection(false); });
  setInterval(function () { if (waitingIds().length) flush(); }, 15000);
  ready.then(flush);

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

  // Handing in: send what is waiting first, so the last answers are not lost. A file that
  // still cannot be sent is named, and the trainee decides.
  form.addEventListener("submit", function (event) {
    if (form.getAttribute("data-flushed")) return;
    if (!waitingIds().length || finished) {
      try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
      return;
    }
    event.preventDefault();
    var button = event.submitter;
    flush().then(function () {
      var names = Object.keys(files).map(function (id) { return files[id].name; });
      var handingIn = !button || button.value === "submit";
      if (names.length && handingIn && !finished &&
          !window.confirm(named(msg("hand-in-unsent"), names.join(", ")))) {
        return;
      }
      form.setAttribute("data-flushed", "1");
      if (button) button.click(); else form.submit();
    });
  });
})();
