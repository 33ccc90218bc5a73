/* Course player: the collapsible curriculum on phones, and focus care after htmx swaps.
   Loaded only on player pages. No inline code, no eval (CSP-safe). */
(function () {
  "use strict";

  var PHONE_QUERY = "(max-width: 768px)";

  function setUpOutline() {
    var outline = document.querySelector("[data-outline]");
    var toggle = document.querySelector("[data-outline-toggle]");
    if (!outline || !toggle || toggle.dataset.ready === "true") {
      return;
    }
    toggle.dataset.ready = "true";
    var label = toggle.querySelector("[data-outline-toggle-label]");

    function set(open) {
      outline.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (label) {
        label.textContent = open ? "Hide content" : "Course content";
      }
    }

    outline.classList.add("is-collapsible");
    toggle.hidden = false;
    set(false);

    toggle.addEventListener("click", function () {
      var open = !outline.classList.contains("is-open");
      set(open);
      if (open) {
        var current = outline.querySelector("[aria-current='page']");
        outline.scrollIntoView({ block: "start" });
        if (current) {
          current.focus({ preventScroll: true });
        }
      }
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && outline.classList.contains("is-open") && window.matchMedia(PHONE_QUERY).matches) {
        set(false);
        toggle.focus();
      }
    });

    /* On a wide screen the sidebar is always shown: keep the current lesson in view. */
    if (!window.matchMedia(PHONE_QUERY).matches) {
      var current = outline.querySelector(".is-current");
      if (current && typeof current.scrollIntoView === "function") {
        var box = current.getBoundingClientRect();
        var frame = outline.getBoundingClientRect();
        if (box.bottom > frame.bottom || box.top < frame.top) {
          outline.scrollTop += box.top - frame.top - frame.height / 3;
        }
      }
    }
  }

  /* After "Mark complete" or a graded quiz, move focus to what changed (screen readers). */
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.id) {
      return;
    }
    if (target.id === "quiz-panel") {
      var panel = document.getElementById("quiz-panel");
      if (panel) {
        panel.focus({ preventScroll: true });
      }
    } else if (target.id === "lesson-complete") {
      var next = document.querySelector(".lesson-nav__link--next");
      var done = document.querySelector("#lesson-complete .lesson-complete__done");
      if (next) {
        next.focus();
      } else if (done) {
        done.setAttribute("tabindex", "-1");
        done.focus();
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpOutline);
  } else {
    setUpOutline();
  }
})();
