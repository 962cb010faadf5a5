/* The head teacher's check-in code page: show the current QR code, count down to the next
   one, then fetch it (GET <data-refresh-url> → {open, image, message, seconds_left,
   count_text}). No framework, no inline script (CSP). Works without JS by reloading. */
(function () {
  "use strict";
  var box = document.getElementById("check-in-code");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-refresh-url");
  var left = parseInt(box.getAttribute("data-seconds-left"), 10) || 1;
  var figure = box.querySelector(".att-qr");
  var image = document.getElementById("check-in-qr");
  var seconds = document.getElementById("check-in-seconds");
  var message = document.getElementById("check-in-message");
  var count = document.getElementById("check-in-count");
  var timer = null;

  function show(data) {
    if (data.open && data.image) {
      image.src = data.image;
      image.setAttribute("data-url", data.url || "");
      figure.hidden = false;
    } else {
      figure.hidden = true;
    }
    if (message) message.textContent = data.message || "";
    if (count) count.textContent = data.count_text || "";
    left = Math.max(1, parseInt(data.seconds_left, 10) || 1);
    if (seconds) seconds.textContent = String(left);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(show)
      .catch(function () { left = 5; })  // a network hiccup: try again shortly
      .then(tick);
  }

  function tick() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      left -= 1;
      if (seconds) seconds.textContent = String(Math.max(left, 0));
      if (left <= 0) refresh(); else tick();
    }, 1000);
  }

  tick();
})();
