/* Player analytics: play, pause and ended of lesson videos, batched and sent every 15 s and
   when the page is hidden or left (fetch with keepalive, so the CSRF header goes along).
   Attaches to every [data-video-player] with a data-position-url (an enrolled student's
   lesson); the lesson id is read from that URL. No inline code (CSP-safe). */
(function () {
  "use strict";

  var SEND_EVERY_MS = 15000;
  var MAX_BATCH = 50; // the server's bound per request
  var MAX_QUEUE = 500; // a long offline spell keeps the newest events only
  var ENDPOINT = "/learn/player-events";
  var queue = [];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function lessonOf(root) {
    var match = /\/lessons\/([^/]+)\/position$/.exec(root.getAttribute("data-position-url") || "");
    return match ? decodeURIComponent(match[1]) : null;
  }

  function note(lessonId, kind, video) {
    queue.push({
      lesson_id: lessonId,
      kind: kind,
      position_seconds: Math.max(0, Math.floor(video.currentTime || 0)),
      at: new Date().toISOString()
    });
    if (queue.length > MAX_QUEUE) {
      queue.splice(0, queue.length - MAX_QUEUE);
    }
  }

  function send(leaving) {
    while (queue.length) {
      var batch = queue.splice(0, MAX_BATCH);
      try {
        window
          .fetch(ENDPOINT, {
            method: "POST",
            credentials: "same-origin",
            keepalive: leaving,
            headers: {
              "Content-Type": "application/json",
              Accept: "application/json",
              "X-CSRF-Token": csrfToken()
            },
            body: JSON.stringify({ events: batch })
          })
          .catch(function () {
            /* analytics are best effort: a lost batch is not retried */
          });
      } catch (error) {
        return;
      }
      if (!leaving) {
        return; // one batch per tick; the rest goes at the next one
      }
    }
  }

  function watch(root) {
    var lessonId = lessonOf(root);
    var video = root.querySelector("video");
    if (!lessonId || !video || root.dataset.eventsWatched === "true") {
      return;
    }
    root.dataset.eventsWatched = "true";
    video.addEventListener("play", function () {
      note(lessonId, "play", video);
    });
    video.addEventListener("pause", function () {
      if (!video.ended) {
        note(lessonId, "pause", video);
      }
    });
    video.addEventListener("ended", function () {
      note(lessonId, "ended", video);
      send(false);
    });
  }

  function setUp() {
    var roots = document.querySelectorAll("[data-video-player][data-position-url]");
    Array.prototype.forEach.call(roots, watch);
  }

  window.setInterval(function () {
    send(false);
  }, SEND_EVERY_MS);
  window.addEventListener("pagehide", function () {
    send(true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      send(true);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
