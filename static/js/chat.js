/* The class chat (班级群聊) on the class page. See docs/chat-ui.md and docs/api.md.
 *
 * Loaded by templates/live/panels/chat.html as a file (CSP: script-src 'self'); its settings
 * come from the panel's data-* attributes and its words from the "chat-strings" JSON block.
 *
 * - Connects to the room's WebSocket; on a drop it reconnects with exponential backoff and
 *   jitter and resumes with ?after=<highest id seen>, so nothing is missed.
 * - What the member writes goes into a queue in localStorage (per room and user) first, each
 *   with a client_id; it shows as "Sending…" until the server's ack, and is (re)sent whenever
 *   the socket is open, so messages written offline go out when the connection returns. The
 *   server makes a resend with the same client_id idempotent.
 * - Every message appears once, in id order: rendered messages are keyed by id and client_id.
 * - Bodies are the server's sanitised HTML (`body`); everything else is built with textContent.
 * - Search asks the HTTP API (data-messages-url, ?q=) and lists the hits in place of the
 *   conversation until it is closed.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-chat]");
  if (!root || !window.WebSocket || !window.JSON) {
    return;
  }

  // --- Settings and words ---------------------------------------------------------------

  var cfg = {
    roomId: root.getAttribute("data-room-id"),
    classId: root.getAttribute("data-class-id"),
    userId: Number(root.getAttribute("data-user-id")),
    wsUrl: root.getAttribute("data-ws-url"),
    messagesUrl: root.getAttribute("data-messages-url"),
    uploadsUrl: root.getAttribute("data-uploads-url"),
    imageAccept: root.getAttribute("data-image-accept") || "",
    csrfCookie: root.getAttribute("data-csrf-cookie") || "csrftoken"
  };
  var T = {};
  try {
    T = JSON.parse(document.getElementById("chat-strings").textContent) || {};
  } catch (e) {
    T = {};
  }
  function t(key, values) {
    var text = T[key] || key;
    if (values) {
      Object.keys(values).forEach(function (name) {
        text = text.split("%(" + name + ")s").join(String(values[name]));
      });
    }
    return text;
  }

  var HISTORY_PAGE = 50;
  var SEARCH_PAGE = 20;
  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var PING_EVERY_MS = 25000;
  var PONG_TIMEOUT_MS = 10000;
  var RETRY_TRANSIENT_MS = 3000;
  var READ_DELAY_MS = 800;
  var NEAR_BOTTOM_PX = 80;
  var OWN_DELETE_MS = 2 * 60 * 1000;
  var NO_RECONNECT = { 4401: "signed_out", 4403: "removed", 4404: "refused" };
  var TRANSIENT_ERRORS = { rate_limited: true, save_failed: true };

  var el = {
    status: document.getElementById("chat-status"),
    online: document.getElementById("chat-online"),
    locked: document.getElementById("chat-locked"),
    muted: document.getElementById("chat-muted"),
    moderation: document.getElementById("chat-moderation"),
    lockToggle: document.getElementById("chat-lock-toggle"),
    pinned: document.getElementById("chat-pinned"),
    pinnedList: document.getElementById("chat-pinned-list"),
    scroll: document.getElementById("chat-scroll"),
    earlier: document.getElementById("chat-earlier"),
    list: document.getElementById("chat-list"),
    form: document.getElementById("chat-form"),
    input: document.getElementById("chat-input"),
    file: document.getElementById("chat-file"),
    announceBox: document.getElementById("chat-as-announcement"),
    announce: document.getElementById("chat-announce"),
    searchToggle: document.getElementById("chat-search-toggle"),
    search: document.getElementById("chat-search"),
    searchInput: document.getElementById("chat-search-input"),
    searchClose: document.getElementById("chat-search-close"),
    searchResults: document.getElementById("chat-search-results"),
    searchSummary: document.getElementById("chat-search-summary"),
    searchList: document.getElementById("chat-search-list"),
    searchMore: document.getElementById("chat-search-more")
  };
  // Everything the uploads take; members who do not moderate may send only pictures.
  var fullAccept = el.file.getAttribute("accept") || "";

  // --- State ----------------------------------------------------------------------------

  var ws = null;
  var ready = false; // hello received on the current socket
  var resuming = false; // between hello and resume.done
  var attempt = 0;
  var reconnectTimer = null;
  var pingTimer = null;
  var pongTimer = null;
  var retryTimer = null;
  var stopped = false;
  var me = { id: cfg.userId, can_send: false, can_moderate: false, muted_until: null };
  var room = { locked: root.getAttribute("data-locked") === "true" };
  var lastId = 0; // highest message id seen: ?after= on reconnect
  var oldestId = null; // lowest id shown: history before=
  var hasMore = false;
  var loadingHistory = false;
  var firstLoadDone = false;
  var ids = []; // ids of shown messages, ascending
  var byId = {}; // id -> <li>
  var pendingEls = {}; // client_id -> <li> not yet acknowledged
  var messages = {}; // id -> last payload (for menus)
  var online = {}; // user id -> true
  var readSent = 0;
  var readWanted = 0;
  var readTimer = null;
  var ownDeleteTimers = {}; // id -> timer that takes "Delete" off one's own message after 2 min

  // --- The offline queue (localStorage) -------------------------------------------------

  var queueKey = "lms-chat-queue:" + cfg.roomId + ":" + cfg.userId;
  var memoryQueue = [];

  function loadQueue() {
    try {
      var raw = window.localStorage.getItem(queueKey);
      return raw ? JSON.parse(raw) : [];
    } catch (e) {
      return memoryQueue.slice();
    }
  }
  function saveQueue(queue) {
    memoryQueue = queue.slice();
    try {
      window.localStorage.setItem(queueKey, JSON.stringify(queue));
    } catch (e) {
      /* private mode or full: the in-memory copy still works for this page */
    }
  }
  function enqueue(item) {
    var queue = loadQueue();
    queue.push(item);
    saveQueue(queue);
  }
  function dequeue(clientId) {
    saveQueue(
      loadQueue().filter(function (item) {
        return item.client_id !== clientId;
      })
    );
  }
  function queued(clientId) {
    return loadQueue().filter(function (item) {
      return item.client_id === clientId;
    })[0];
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i += 1) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return (
      hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20)
    );
  }

  // --- Small DOM helpers ----------------------------------------------------------------

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function formatTime(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) {
      return "";
    }
    var now = new Date();
    var time = pad(d.getHours()) + ":" + pad(d.getMinutes());
    if (d.toDateString() === now.toDateString()) {
      return time;
    }
    return pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + time;
  }
  function formatSize(bytes) {
    if (!bytes && bytes !== 0) {
      return "";
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return Math.round(bytes / 1024) + " KB";
    }
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function setStatus(state, text) {
    el.status.setAttribute("data-state", state);
    el.status.textContent = text;
    root.setAttribute("data-connection", state);
  }

  function nearBottom() {
    var s = el.scroll;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }
  function scrollToBottom() {
    el.scroll.scrollTop = el.scroll.scrollHeight;
  }

  // --- Rendering a message --------------------------------------------------------------

  function roleLabel(role) {
    var key = "role_" + role;
    return T[key] || "";
  }

  function renderAttachment(box, attachment) {
    if (!attachment) {
      return;
    }
    var wrap = make("div", "chat-attachment");
    if (attachment.kind === "image") {
      var link = make("a");
      link.href = attachment.url;
      link.target = "_blank";
      link.rel = "noopener";
      var img = make("img");
      img.src = attachment.phone_url || attachment.url;
      img.loading = "lazy";
      img.decoding = "async";
      img.alt = attachment.name || "";
      if (attachment.width && attachment.height) {
        img.width = attachment.width;
        img.height = attachment.height;
      }
      link.appendChild(img);
      wrap.appendChild(link);
    } else {
      var file = make("a", "chat-file", attachment.name || t("download"));
      file.href = attachment.url;
      file.setAttribute("download", attachment.name || "");
      wrap.appendChild(file);
      wrap.appendChild(make("span", "muted", " " + formatSize(attachment.size)));
    }
    box.appendChild(wrap);
  }

  function renderReads(node, message) {
    var reads = node.querySelector(".chat-reads");
    if (!me.can_moderate || !message.reads) {
      if (reads) {
        reads.parentNode.removeChild(reads);
      }
      return;
    }
    if (!reads) {
      reads = make("p", "chat-reads muted");
      node.appendChild(reads);
    }
    reads.textContent = t("read_by", { read: message.reads.read, members: message.reads.members });
  }

  function fillMessage(node, message) {
    node.textContent = "";
    node.className = "chat-msg kind-" + (message.kind || "text");
    var mine = message.sender && message.sender.id === me.id;
    if (mine) {
      node.classList.add("is-mine");
    }
    if (message.pinned) {
      node.classList.add("is-pinned");
    }
    node.setAttribute("data-id", String(message.id));
    if (message.client_id) {
      node.setAttribute("data-client-id", message.client_id);
    }
    node.appendChild(metaFor(message));

    if (message.deleted) {
      node.classList.add("is-deleted");
      node.appendChild(make("p", "chat-body chat-tombstone muted", t("deleted")));
      return node;
    }
    var body = make("div", "chat-body");
    // `body` is the server's sanitised HTML (bleach); the typed `text` is never inserted.
    body.innerHTML = message.body || "";
    node.appendChild(body);
    renderAttachment(node, message.attachment);
    renderReads(node, message);
    addMenu(node, message);
    return node;
  }

  function metaFor(message) {
    var meta = make("div", "chat-meta");
    if (message.sender) {
      meta.appendChild(make("span", "chat-sender", message.sender.name));
      var label = roleLabel(message.sender.role);
      if (label) {
        meta.appendChild(make("span", "badge chat-role", label));
      }
    }
    if (message.kind === "announcement") {
      meta.appendChild(make("span", "badge chat-announcement", t("announcement")));
    }
    if (message.pinned) {
      meta.appendChild(make("span", "badge chat-pin", t("pinned")));
    }
    var time = make("time", "chat-time muted", formatTime(message.sent_at));
    if (message.sent_at) {
      time.setAttribute("datetime", message.sent_at);
    }
    meta.appendChild(time);
    return meta;
  }

  function renderPending(item, node) {
    node = node || make("li");
    node.textContent = "";
    node.className = "chat-msg is-mine is-pending kind-" + (item.kind || "text");
    node.setAttribute("data-client-id", item.client_id);
    node.removeAttribute("data-id");
    var meta = make("div", "chat-meta");
    meta.appendChild(make("span", "chat-sender", t("you")));
    meta.appendChild(make("span", "chat-state muted", t("sending")));
    node.appendChild(meta);
    var body = make("p", "chat-body");
    body.textContent = item.body || (item.attachment_name ? item.attachment_name : "");
    node.appendChild(body);
    return node;
  }

  function markFailed(clientId, message) {
    var node = pendingEls[clientId];
    if (!node) {
      return;
    }
    node.classList.add("is-failed");
    var state = node.querySelector(".chat-state");
    if (state) {
      state.textContent = t("failed") + (message ? ": " + message : "");
    }
    if (node.querySelector(".chat-failed-actions")) {
      return;
    }
    var actions = make("div", "chat-failed-actions");
    var discard = make("button", "button small", t("discard"));
    discard.type = "button";
    discard.addEventListener("click", function () {
      dequeue(clientId);
      delete pendingEls[clientId];
      node.parentNode.removeChild(node);
    });
    actions.appendChild(discard);
    node.appendChild(actions);
  }

  // --- Placing messages in id order -----------------------------------------------------

  function firstPendingNode() {
    return el.list.querySelector(".is-pending");
  }

  function placeById(id, node) {
    // Binary search for the first shown id greater than `id`; pending messages stay last.
    var lo = 0;
    var hi = ids.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (ids[mid] < id) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    var before = lo < ids.length ? byId[ids[lo]] : firstPendingNode();
    el.list.insertBefore(node, before || null);
    ids.splice(lo, 0, id);
    byId[id] = node;
  }

  function showMessage(message) {
    var id = Number(message.id);
    messages[id] = message;
    if (id > lastId) {
      lastId = id;
    }
    if (oldestId === null || id < oldestId) {
      oldestId = id;
    }
    var stick = nearBottom();
    var clientId = message.client_id;
    var own = message.sender && message.sender.id === me.id;
    var pending = clientId && own ? pendingEls[clientId] : null;
    if (byId[id]) {
      // Already shown (a resume overlapping a live frame, or an update): redraw in place.
      fillMessage(byId[id], message);
      if (pending && pending !== byId[id]) {
        pending.parentNode.removeChild(pending);
      }
    } else if (pending) {
      pending.parentNode.removeChild(pending);
      placeById(id, fillMessage(pending, message));
    } else {
      placeById(id, fillMessage(make("li"), message));
    }
    if (pending) {
      delete pendingEls[clientId];
      dequeue(clientId);
    }
    observeRead(byId[id]);
    updateEmpty();
    if (message.pinned) {
      showPinned(message);
    }
    if (stick) {
      scrollToBottom();
    }
  }

  function acknowledge(clientId, id) {
    id = Number(id);
    dequeue(clientId);
    var pending = pendingEls[clientId];
    if (!pending) {
      return;
    }
    delete pendingEls[clientId];
    if (byId[id]) {
      pending.parentNode.removeChild(pending);
      return;
    }
    // Sent; the message frame itself (with the sanitised body) redraws it when it comes.
    pending.parentNode.removeChild(pending);
    pending.classList.remove("is-pending", "is-failed");
    pending.classList.add("is-sent");
    pending.setAttribute("data-id", String(id));
    var state = pending.querySelector(".chat-state");
    if (state) {
      state.parentNode.removeChild(state);
    }
    if (id > lastId) {
      lastId = id;
    }
    placeById(id, pending);
  }

  function updateEmpty() {
    var empty = el.list.querySelector(".chat-empty");
    var count = ids.length + Object.keys(pendingEls).length;
    if (count && empty) {
      empty.parentNode.removeChild(empty);
    } else if (!count && !empty && firstLoadDone) {
      el.list.appendChild(make("li", "chat-empty muted", t("no_messages")));
    }
  }

  // --- Pinned announcements -------------------------------------------------------------

  function showPinned(message) {
    var existing = el.pinnedList.querySelector('[data-pinned-id="' + message.id + '"]');
    if (!message.pinned || message.deleted) {
      if (existing) {
        existing.parentNode.removeChild(existing);
      }
      el.pinned.hidden = !el.pinnedList.children.length;
      return;
    }
    var node = existing || make("li", "chat-pinned-item");
    node.textContent = "";
    node.setAttribute("data-pinned-id", String(message.id));
    var meta = make("div", "chat-meta");
    if (message.sender) {
      meta.appendChild(make("span", "chat-sender", message.sender.name));
    }
    var time = make("time", "chat-time muted", formatTime(message.sent_at));
    meta.appendChild(time);
    node.appendChild(meta);
    var body = make("div", "chat-body");
    body.innerHTML = message.body || "";
    node.appendChild(body);
    renderAttachment(node, message.attachment);
    renderReads(node, message);
    if (me.can_moderate) {
      var unpin = make("button", "button small", t("unpin"));
      unpin.type = "button";
      unpin.addEventListener("click", function () {
        send({ type: "message.pin", id: message.id, pinned: false });
      });
      node.appendChild(unpin);
    }
    if (!existing) {
      // Newest pinned first.
      var before = null;
      var items = el.pinnedList.children;
      for (var i = 0; i < items.length; i += 1) {
        if (Number(items[i].getAttribute("data-pinned-id")) < message.id) {
          before = items[i];
          break;
        }
      }
      el.pinnedList.insertBefore(node, before);
    }
    el.pinned.hidden = false;
  }

  function updateReads(frame) {
    var message = messages[frame.id];
    if (message) {
      message.reads = { read: frame.read, members: frame.members };
    }
    var payload = message || { id: frame.id, reads: { read: frame.read, members: frame.members } };
    if (byId[frame.id]) {
      renderReads(byId[frame.id], payload);
    }
    var pinned = el.pinnedList.querySelector('[data-pinned-id="' + frame.id + '"]');
    if (pinned) {
      renderReads(pinned, payload);
    }
  }

  // --- Per-message actions (small menus) ------------------------------------------------

  function addMenu(node, message) {
    if (message.deleted || message.kind === "system" || !message.sender) {
      return;
    }
    var mine = message.sender.id === me.id;
    var sentAt = Date.parse(message.sent_at || "");
    var actions = [];
    if (me.can_moderate) {
      actions.push(["delete", t("delete")]);
      actions.push(message.pinned ? ["unpin", t("unpin")] : ["pin", t("pin")]);
      if (!mine) {
        actions.push(["mute:10", t("mute_10m")]);
        actions.push(["mute:60", t("mute_1h")]);
        actions.push(["mute:1440", t("mute_1d")]);
        actions.push(["mute:0", t("unmute")]);
      }
    } else {
      // One's own message, while it is younger than the server's two minutes by this phone's
      // clock; the server decides and answers an error frame when it is too late.
      var age = Date.now() - sentAt;
      if (mine && me.can_send && !isNaN(sentAt) && age < OWN_DELETE_MS) {
        actions.push(["delete", t("delete")]);
        expireOwnDelete(message.id, OWN_DELETE_MS - age);
      }
      if (!mine && me.can_send) {
        actions.push(["report", t("report")]);
      }
    }
    if (!actions.length) {
      return;
    }
    var menu = make("details", "chat-menu");
    var summary = make("summary", null, "⋯");
    summary.setAttribute("aria-label", t("more"));
    summary.title = t("more");
    menu.appendChild(summary);
    var box = make("div", "chat-menu-items");
    actions.forEach(function (action) {
      var button = make("button", "button small", action[1]);
      button.type = "button";
      button.setAttribute("data-action", action[0]);
      button.addEventListener("click", function () {
        menu.open = false;
        runAction(action[0], message);
      });
      box.appendChild(button);
    });
    menu.appendChild(box);
    node.appendChild(menu);
  }

  function expireOwnDelete(id, delay) {
    clearTimeout(ownDeleteTimers[id]);
    ownDeleteTimers[id] = setTimeout(function () {
      delete ownDeleteTimers[id];
      if (byId[id] && messages[id]) {
        fillMessage(byId[id], messages[id]); // redrawn without "Delete"
      }
    }, delay + 50);
  }

  function runAction(action, message) {
    if (action === "delete") {
      if (window.confirm(t("confirm_delete"))) {
        send({ type: "message.delete", id: message.id });
      }
    } else if (action === "pin" || action === "unpin") {
      send({ type: "message.pin", id: message.id, pinned: action === "pin" });
    } else if (action.indexOf("mute:") === 0) {
      var minutes = Number(action.slice(5));
      var why = "";
      if (minutes > 0) {
        why = window.prompt(t("mute_reason"), "");
        if (why === null) {
          return; // cancelled: no mute
        }
      }
      send({ type: "member.mute", user: message.sender.id, minutes: minutes, reason: why.trim() });
    } else if (action === "report") {
      var reason = window.prompt(t("report_reason"), "");
      if (reason !== null) {
        send({ type: "message.report", id: message.id, reason: reason });
      }
    }
  }

  function flash(text) {
    setStatus(root.getAttribute("data-connection") || "online", text);
  }

  // --- Room state: presence, lock, mute -------------------------------------------------

  function updateOnline() {
    var n = Object.keys(online).length;
    el.online.textContent = n ? t("n_online", { n: n }) : "";
  }

  function mutedUntil() {
    if (!me.muted_until) {
      return null;
    }
    var until = new Date(me.muted_until);
    return until.getTime() > Date.now() ? until : null;
  }

  function updateComposer() {
    var locked = room.locked;
    el.locked.hidden = !locked;
    if (el.lockToggle) {
      el.lockToggle.textContent = locked ? t("unlock") : t("lock");
    }
    el.moderation.hidden = !me.can_moderate;
    el.announceBox.hidden = !me.can_moderate;
    var until = mutedUntil();
    el.muted.hidden = !until;
    if (until) {
      el.muted.textContent = t("muted_until", { time: formatTime(until.toISOString()) });
    }
    var canWrite = me.can_send && (!locked || me.can_moderate) && !until;
    el.form.hidden = !me.can_send;
    el.input.disabled = !canWrite;
    el.form.querySelector("#chat-send").disabled = !canWrite;
    el.file.disabled = !canWrite;
    if (cfg.imageAccept) {
      el.file.setAttribute("accept", me.can_moderate ? fullAccept : cfg.imageAccept);
    }
    if (!me.can_send && ready) {
      el.muted.hidden = false;
      el.muted.textContent = t("read_only");
    }
  }

  // --- The socket -----------------------------------------------------------------------

  function send(frame) {
    if (ws && ready && ws.readyState === 1) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function socketUrl() {
    var url = cfg.wsUrl;
    if (lastId > 0) {
      url += (url.indexOf("?") < 0 ? "?" : "&") + "after=" + lastId;
    }
    return url;
  }

  function connect() {
    if (stopped || ws) {
      return;
    }
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (navigator.onLine === false) {
      setStatus("offline", t("offline"));
      return;
    }
    setStatus("connecting", attempt ? t("reconnecting") : t("connecting"));
    var socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.onmessage = function (event) {
      if (socket !== ws) {
        return;
      }
      heard();
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      handle(frame);
    };
    socket.onclose = function (event) {
      if (socket !== ws) {
        return;
      }
      dropSocket();
      if (NO_RECONNECT[event.code]) {
        stopped = true;
        setStatus("closed", t(NO_RECONNECT[event.code]));
        el.form.hidden = true;
        return;
      }
      scheduleReconnect();
    };
    socket.onerror = function () {
      /* onclose follows */
    };
  }

  function dropSocket() {
    var socket = ws;
    ws = null;
    ready = false;
    resuming = false;
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    pingTimer = pongTimer = null;
    if (socket) {
      socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close();
      } catch (e) {
        /* already closed */
      }
    }
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer) {
      return;
    }
    if (navigator.onLine === false) {
      setStatus("offline", t("offline"));
      return;
    }
    // Exponential backoff with jitter: half to all of base * 2^attempt, at most 30 s.
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, attempt));
    var delay = ceiling / 2 + Math.random() * (ceiling / 2);
    attempt += 1;
    setStatus("reconnecting", t("reconnecting"));
    reconnectTimer = setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function heard() {
    clearTimeout(pongTimer);
    pongTimer = null;
  }

  function startHeartbeat() {
    clearInterval(pingTimer);
    pingTimer = setInterval(function () {
      if (!send({ type: "ping" })) {
        return;
      }
      clearTimeout(pongTimer);
      pongTimer = setTimeout(function () {
        // Nothing heard: the connection is dead though the socket does not know yet.
        dropSocket();
        scheduleReconnect();
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  function handle(frame) {
    switch (frame.type) {
      case "hello":
        onHello(frame);
        break;
      case "resume.done":
        resuming = false;
        if (frame.last_id > lastId) {
          lastId = frame.last_id;
        }
        flushQueue();
        break;
      case "message":
        showMessage(frame);
        break;
      case "ack":
        acknowledge(frame.client_id, frame.id);
        break;
      case "history":
        onHistory(frame);
        break;
      case "error":
        onError(frame);
        break;
      case "presence":
        if (frame.online) {
          online[frame.user.id] = true;
        } else {
          delete online[frame.user.id];
        }
        updateOnline();
        break;
      case "message.deleted":
        onDeleted(frame.id);
        break;
      case "message.pinned":
        if (frame.message) {
          frame.message.pinned = frame.pinned;
          if (byId[frame.id]) {
            showMessage(frame.message);
          } else {
            messages[frame.id] = frame.message;
          }
          showPinned(frame.message);
        }
        break;
      case "room.locked":
        room.locked = !!frame.locked;
        updateComposer();
        break;
      case "member.muted":
        if (frame.user === me.id) {
          me.muted_until = frame.until;
          updateComposer();
        }
        break;
      case "reads":
        updateReads(frame);
        break;
      case "reported":
        flash(t("reported"));
        break;
      default:
        break; // pong and anything newer
    }
  }

  function onHello(frame) {
    var resumed = lastId > 0;
    ready = true;
    attempt = 0;
    me = frame.me || me;
    if (frame.room) {
      room.locked = !!frame.room.locked;
    }
    online = {};
    (frame.online || []).forEach(function (user) {
      online[user.id] = true;
    });
    updateOnline();
    el.pinnedList.textContent = "";
    (frame.pinned || []).forEach(function (message) {
      message.pinned = true;
      messages[message.id] = message;
      showPinned(message);
    });
    el.pinned.hidden = !el.pinnedList.children.length;
    updateComposer();
    setStatus("online", t("online"));
    startHeartbeat();
    if (resumed) {
      resuming = true; // the missed messages come next, then resume.done
    } else {
      var newest = Number(frame.last_id) || 0;
      if (newest > 0) {
        requestHistory(newest + 1, true);
      } else {
        firstLoadDone = true;
        updateEmpty();
      }
      if (newest > lastId) {
        lastId = newest;
      }
      flushQueue();
    }
  }

  function requestHistory(before, first) {
    if (loadingHistory) {
      return;
    }
    loadingHistory = first ? "first" : "older";
    if (!send({ type: "history", before: before, limit: HISTORY_PAGE })) {
      loadingHistory = false;
    }
  }

  function onHistory(frame) {
    var first = loadingHistory === "first";
    loadingHistory = false;
    var list = frame.messages || [];
    var oldHeight = el.scroll.scrollHeight;
    var oldTop = el.scroll.scrollTop;
    list.forEach(function (message) {
      // Also settles a queued message whose ack was lost before a reload.
      showMessage(message);
    });
    hasMore = !!frame.has_more;
    el.earlier.hidden = !hasMore;
    firstLoadDone = true;
    updateEmpty();
    if (first) {
      scrollToBottom();
    } else {
      // Keep what the reader was looking at in place above the newly added older messages.
      el.scroll.scrollTop = oldTop + (el.scroll.scrollHeight - oldHeight);
    }
  }

  function onDeleted(id) {
    var message = messages[id] || { id: id };
    message.deleted = true;
    message.body = "";
    message.attachment = null;
    message.pinned = false;
    if (byId[id]) {
      fillMessage(byId[id], message);
    }
    showPinned(message);
  }

  function onError(frame) {
    if (frame.client_id && pendingEls[frame.client_id]) {
      if (TRANSIENT_ERRORS[frame.code]) {
        scheduleRetry();
        var state = pendingEls[frame.client_id].querySelector(".chat-state");
        if (state) {
          state.textContent = t("sending") + " " + (frame.message || "");
        }
        return;
      }
      dequeue(frame.client_id);
      markFailed(frame.client_id, frame.message);
      return;
    }
    if (frame.code === "muted" || frame.code === "locked") {
      updateComposer();
    }
    if (frame.message) {
      flash(frame.message);
    }
  }

  function scheduleRetry() {
    if (retryTimer) {
      return;
    }
    retryTimer = setTimeout(function () {
      retryTimer = null;
      flushQueue();
    }, RETRY_TRANSIENT_MS);
  }

  // --- Sending --------------------------------------------------------------------------

  function frameFor(item) {
    return {
      type: "message.send",
      client_id: item.client_id,
      body: item.body,
      kind: item.kind || "text",
      attachment: item.attachment || null
    };
  }

  function flushQueue() {
    if (!ready || resuming) {
      return;
    }
    loadQueue().forEach(function (item) {
      if (!pendingEls[item.client_id]) {
        showPending(item);
      }
      send(frameFor(item));
    });
  }

  function showPending(item) {
    var node = renderPending(item);
    pendingEls[item.client_id] = node;
    el.list.appendChild(node);
    updateEmpty();
    scrollToBottom();
  }

  function submit(body, attachment) {
    body = (body || "").trim();
    if (!body && !attachment) {
      return false;
    }
    var item = {
      client_id: newClientId(),
      body: body,
      kind: el.announce && el.announce.checked && me.can_moderate ? "announcement" : "text",
      attachment: attachment ? attachment.id : null,
      attachment_name: attachment ? attachment.name : ""
    };
    enqueue(item);
    showPending(item);
    if (ready && !resuming) {
      send(frameFor(item));
    }
    if (el.announce) {
      el.announce.checked = false;
    }
    return true;
  }

  // Chinese (and other) input methods: Enter confirms the composition, it must not send.
  var composing = false;
  el.input.addEventListener("compositionstart", function () {
    composing = true;
  });
  el.input.addEventListener("compositionend", function () {
    composing = false;
  });
  el.input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey) {
      return;
    }
    if (event.isComposing || composing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    sendTyped();
  });
  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (composing) {
      return;
    }
    sendTyped();
  });
  function sendTyped() {
    if (el.input.disabled) {
      return;
    }
    if (submit(el.input.value, null)) {
      el.input.value = "";
    }
    el.input.focus();
  }

  // Uploads go over HTTP; the attachment is then sent like a message (and queued like one).
  function csrfToken() {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i += 1) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === cfg.csrfCookie) {
        return decodeURIComponent(parts[i].slice(eq + 1));
      }
    }
    return "";
  }

  el.file.addEventListener("change", function () {
    var file = el.file.files && el.file.files[0];
    if (!file || !window.FormData || !window.fetch) {
      return;
    }
    var data = new FormData();
    data.append("file", file);
    flash(t("uploading"));
    fetch(cfg.uploadsUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) {
            throw new Error(json && json.detail ? json.detail : t("upload_failed"));
          }
          return json;
        });
      })
      .then(function (attachment) {
        submit(el.input.value, attachment);
        el.input.value = "";
        flash(ready ? t("online") : t("offline"));
      })
      .catch(function (error) {
        flash(error && error.message ? error.message : t("upload_failed"));
      })
      .then(function () {
        el.file.value = "";
      });
  });

  if (el.lockToggle) {
    el.lockToggle.addEventListener("click", function () {
      send({ type: "room.lock", locked: !room.locked });
    });
  }

  // --- Search in the room (over HTTP) ---------------------------------------------------

  var search = { query: "", oldestId: null, asked: 0, keptTop: null };

  function showResults() {
    if (el.searchResults.hidden) {
      // Hiding the conversation loses its scroll position: keep it (or "at the bottom").
      search.keptTop = nearBottom() ? null : el.scroll.scrollTop;
    }
    el.scroll.hidden = true;
    el.searchResults.hidden = false;
  }

  function openSearch() {
    el.search.hidden = false;
    el.searchToggle.setAttribute("aria-expanded", "true");
    el.searchInput.focus();
  }

  function closeSearch() {
    search.asked += 1; // an answer still on its way is dropped
    search.query = "";
    el.search.hidden = true;
    el.searchToggle.setAttribute("aria-expanded", "false");
    el.searchInput.value = "";
    el.searchList.textContent = "";
    el.searchSummary.textContent = "";
    el.searchMore.hidden = true;
    if (!el.searchResults.hidden) {
      el.searchResults.hidden = true;
      el.scroll.hidden = false;
      if (search.keptTop === null) {
        scrollToBottom();
      } else {
        el.scroll.scrollTop = search.keptTop;
      }
    }
    el.searchToggle.focus();
  }

  function renderHit(message) {
    var node = make("li", "chat-msg chat-hit kind-" + (message.kind || "text"));
    node.setAttribute("data-hit-id", String(message.id));
    node.appendChild(metaFor(message));
    var body = make("div", "chat-body");
    // As in the conversation: the server's sanitised HTML, never the typed text.
    body.innerHTML = message.body || "";
    node.appendChild(body);
    renderAttachment(node, message.attachment);
    return node;
  }

  function runSearch(before) {
    var asked = (search.asked += 1);
    var query = search.query;
    var url =
      cfg.messagesUrl + "?limit=" + SEARCH_PAGE + "&q=" + encodeURIComponent(query) +
      (before ? "&before=" + before : "");
    showResults();
    el.searchMore.hidden = true;
    if (!before) {
      el.searchList.textContent = "";
      el.searchResults.scrollTop = 0;
    }
    el.searchSummary.textContent = t("searching");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) {
            var refused = new Error(json && json.detail ? json.detail : t("search_failed"));
            refused.fromServer = true;
            throw refused;
          }
          return json;
        });
      })
      .then(function (json) {
        if (asked !== search.asked) {
          return;
        }
        var hits = (json.messages || []).slice().reverse(); // newest first
        hits.forEach(function (message) {
          el.searchList.appendChild(renderHit(message));
        });
        if (hits.length) {
          search.oldestId = hits[hits.length - 1].id;
        }
        var any = el.searchList.children.length > 0;
        el.searchSummary.textContent = t(any ? "n_results" : "no_results", { q: query });
        el.searchMore.hidden = !(json.has_more && hits.length);
      })
      .catch(function (error) {
        if (asked === search.asked) {
          el.searchSummary.textContent = error && error.fromServer ? error.message : t("search_failed");
        }
      });
  }

  if (el.search && window.fetch) {
    el.searchToggle.hidden = false;
    el.searchToggle.addEventListener("click", function () {
      if (el.search.hidden) {
        openSearch();
      } else {
        closeSearch();
      }
    });
    el.search.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = el.searchInput.value.trim();
      if (!query) {
        return;
      }
      search.query = query;
      search.oldestId = null;
      runSearch(null);
    });
    el.searchInput.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        closeSearch();
      }
    });
    el.searchClose.addEventListener("click", closeSearch);
    el.searchMore.addEventListener("click", function () {
      if (search.query && search.oldestId !== null) {
        runSearch(search.oldestId);
      }
    });
  }

  // --- Older messages on scrolling up ---------------------------------------------------

  function maybeLoadOlder() {
    if (hasMore && !loadingHistory && oldestId !== null && el.scroll.scrollTop < 40) {
      requestHistory(oldestId, false);
    }
  }
  el.scroll.addEventListener("scroll", maybeLoadOlder, { passive: true });
  el.earlier.addEventListener("click", function () {
    if (hasMore && oldestId !== null) {
      requestHistory(oldestId, false);
    }
  });

  // --- Read state: tell the server what has been on screen ------------------------------

  var observer = null;
  if (window.IntersectionObserver) {
    observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            var id = Number(entry.target.getAttribute("data-id"));
            if (id > readWanted) {
              readWanted = id;
            }
          }
        });
        scheduleRead();
      },
      { root: el.scroll, threshold: 0.5 }
    );
  }
  function observeRead(node) {
    if (!node) {
      return;
    }
    if (observer) {
      observer.observe(node);
    } else {
      readWanted = Math.max(readWanted, lastId);
      scheduleRead();
    }
  }
  function scheduleRead() {
    if (readTimer || readWanted <= readSent) {
      return;
    }
    readTimer = setTimeout(function () {
      readTimer = null;
      if (document.visibilityState === "hidden" || readWanted <= readSent) {
        return;
      }
      if (send({ type: "read", up_to: readWanted })) {
        readSent = readWanted;
      }
    }, READ_DELAY_MS);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      scheduleRead();
      if (!ws && !stopped) {
        attempt = 0;
        connect();
      }
    }
  });

  // --- Network changes ------------------------------------------------------------------

  window.addEventListener("offline", function () {
    // Do not wait for the socket to notice: queue from now on and say so.
    dropSocket();
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    setStatus("offline", t("offline"));
  });
  window.addEventListener("online", function () {
    attempt = 0;
    if (!ws) {
      connect();
    }
  });
  window.addEventListener("pagehide", function () {
    dropSocket();
  });

  // Messages left in the queue from an earlier visit show as "Sending…" until they go out.
  loadQueue().forEach(showPending);
  updateComposer();
  connect();
})();
