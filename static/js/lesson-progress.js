/* Reports reading time and position on a lesson page to /learning/lessons/<id>/progress/.
 *
 * Loaded by templates/learning/lesson_progress.html as a file, never inline, so the site's
 * CSP (script-src 'self') holds. Time counts only while the page is visible and the reader
 * did something (scrolled, touched, typed, or a video plays) in the last five minutes.
 * Every 30 seconds, and when the page is hidden or left, the seconds not yet reported are
 * sent with the id of the last block that reached the middle of the screen. Blocks are the
 * lesson body's elements with an id starting "block-" (or a data-block-id attribute); that
 * id is the position sent, and "continue where you left off" links back to it.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-lesson-progress]");
  if (!box || !window.FormData) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var token = box.getAttribute("data-csrf");
  var REPORT_EVERY_MS = 30000;
  var IDLE_AFTER_MS = 5 * 60 * 1000;

  var pendingSeconds = 0;
  var position = "";
  var reportedPosition = "";
  var lastTick = Date.now();
  var lastActivity = Date.now();
  var visible = document.visibilityState !== "hidden";

  function videoPlaying() {
    var videos = document.getElementsByTagName("video");
    for (var i = 0; i < videos.length; i += 1) {
      if (!videos[i].paused && !videos[i].ended) {
        return true;
      }
    }
    return false;
  }

  function tick() {
    var now = Date.now();
    var active = now - lastActivity < IDLE_AFTER_MS || videoPlaying();
    if (visible && active) {
      pendingSeconds += (now - lastTick) / 1000;
    }
    lastTick = now;
  }

  function report(leaving) {
    tick();
    var seconds = Math.floor(pendingSeconds);
    if (seconds < 1 && position === reportedPosition) {
      return;
    }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token);
    data.append("seconds", String(seconds));
    data.append("position", position);
    pendingSeconds -= seconds;
    reportedPosition = position;
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(url, data)) {
      return;
    }
    if (!window.fetch) {
      return;
    }
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": token },
    }).then(
      function (response) {
        if (response.status >= 500) {
          pendingSeconds += seconds; // try again with the next report
        }
      },
      function () {
        pendingSeconds += seconds; // offline: keep the time for the next report
      }
    );
  }

  function noteActivity() {
    tick();
    lastActivity = Date.now();
  }

  ["scroll", "touchstart", "keydown", "pointerdown"].forEach(function (name) {
    window.addEventListener(name, noteActivity, { passive: true });
  });

  if (window.IntersectionObserver) {
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            var el = entry.target;
            position = (el.id || "block-" + el.getAttribute("data-block-id")).slice(0, 100);
          }
        });
      },
      // A block counts as reached when it crosses the middle of the screen.
      { rootMargin: "0px 0px -50% 0px" }
    );
    var blocks = document.querySelectorAll('.stream > [id^="block-"], [data-block-id]');
    Array.prototype.forEach.call(blocks, function (el) {
      observer.observe(el);
    });
  }

  document.addEventListener("visibilitychange", function () {
    tick();
    visible = document.visibilityState !== "hidden";
    if (!visible) {
      report(true);
    }
  });
  window.addEventListener("pagehide", function () {
    report(true);
  });
  window.setInterval(function () {
    report(false);
  }, REPORT_EVERY_MS);
})();
