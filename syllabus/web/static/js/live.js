/* Live lesson panel: counts down to the start and shows the Join button when joining opens.
   No inline code, no eval (CSP-safe). The server checks the window again on join. */
(function () {
  "use strict";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function format(seconds) {
    var days = Math.floor(seconds / 86400);
    var rest = seconds % 86400;
    var text = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" + pad(rest % 60);
    return days > 0 ? days + "d " + text : text;
  }

  function setUp(panel) {
    var countdown = panel.querySelector("[data-live-countdown]");
    if (!countdown || panel.dataset.liveReady === "true") {
      return;
    }
    panel.dataset.liveReady = "true";
    var startsAt = Date.parse(countdown.dataset.startsAt);
    var opensAt = Date.parse(countdown.dataset.opensAt);
    var remaining = countdown.querySelector("[data-live-remaining]");
    var timer = null;

    function tick() {
      var now = Date.now();
      var left = Math.max(0, Math.round((startsAt - now) / 1000));
      if (remaining) {
        remaining.textContent = format(left);
      }
      if (now >= opensAt) {
        panel.querySelectorAll("[data-live-when-open]").forEach(function (form) {
          form.hidden = false;
        });
      }
      if (left === 0 && timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
    }

    tick();
    timer = window.setInterval(tick, 1000);
  }

  function init() {
    document.querySelectorAll("[data-live-panel]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:afterSettle", init);
})();
