/* Site-wide behaviour. Loaded with `defer`; no inline code, no eval (CSP-safe). */
(function () {
  "use strict";

  var TOAST_TIMEOUT_MS = 6000;
  var ERROR_TOAST_TIMEOUT_MS = 10000;
  var LEAVE_MS = 220;

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  /* ---------------------------------------------------------------- toasts */

  function dismissToast(toast) {
    if (!toast || toast.dataset.leaving === "true") {
      return;
    }
    toast.dataset.leaving = "true";
    window.clearTimeout(Number(toast.dataset.timer || 0));
    if (reducedMotion()) {
      toast.remove();
      return;
    }
    toast.classList.add("is-leaving");
    window.setTimeout(function () {
      toast.remove();
    }, LEAVE_MS);
  }

  function scheduleDismiss(toast) {
    var delay = toast.classList.contains("toast--error") ? ERROR_TOAST_TIMEOUT_MS : TOAST_TIMEOUT_MS;
    window.clearTimeout(Number(toast.dataset.timer || 0));
    toast.dataset.timer = String(
      window.setTimeout(function () {
        dismissToast(toast);
      }, delay)
    );
  }

  function pauseDismiss(toast) {
    window.clearTimeout(Number(toast.dataset.timer || 0));
  }

  function setUpToast(toast) {
    if (toast.dataset.ready === "true") {
      return;
    }
    toast.dataset.ready = "true";
    scheduleDismiss(toast);
    /* keep it on screen while the pointer or keyboard focus is on it */
    toast.addEventListener("mouseenter", function () {
      pauseDismiss(toast);
    });
    toast.addEventListener("mouseleave", function () {
      scheduleDismiss(toast);
    });
    toast.addEventListener("focusin", function () {
      pauseDismiss(toast);
    });
    toast.addEventListener("focusout", function () {
      scheduleDismiss(toast);
    });
  }

  function setUpToasts(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (root.matches && root.matches("[data-toast]")) {
      setUpToast(root);
    }
    root.querySelectorAll("[data-toast]").forEach(setUpToast);
  }

  /* Build a toast in the page (for client-side failures the server cannot report). */
  function showToast(kind, text, title) {
    var area = document.getElementById("toasts");
    if (!area) {
      return;
    }
    var toast = document.createElement("div");
    toast.className = "toast toast--" + kind;
    toast.setAttribute("role", kind === "error" ? "alert" : "status");
    toast.setAttribute("data-toast", "");

    var icon = document.createElement("span");
    icon.className = "toast__icon";
    icon.setAttribute("aria-hidden", "true");

    var body = document.createElement("div");
    body.className = "toast__body";
    if (title) {
      var heading = document.createElement("p");
      heading.className = "toast__title";
      heading.textContent = title;
      body.appendChild(heading);
    }
    var message = document.createElement("p");
    message.className = "toast__text";
    message.textContent = text;
    body.appendChild(message);

    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("data-toast-close", "");
    close.setAttribute("aria-label", "Dismiss message");
    close.textContent = "\u00d7";

    toast.appendChild(icon);
    toast.appendChild(body);
    toast.appendChild(close);
    area.appendChild(toast);
    setUpToast(toast);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    var close = target.closest("[data-toast-close]");
    if (close) {
      dismissToast(close.closest("[data-toast]"));
    }
  });

  /* ------------------------------------------------ <details> dropdown menus */

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.removeAttribute("open");
      }
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var inside = target instanceof Element ? target.closest("details.menu") : null;
    closeMenus(inside);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details.menu[open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    }
  });

  /* -------------------------------------------------------------- htmx glue */

  /* Error responses retargeted to the toast area are meant to be shown. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail || !detail.xhr || detail.xhr.status < 400) {
      return;
    }
    if (detail.xhr.getResponseHeader("HX-Retarget") === "#toasts") {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Retarget") === "#toasts") {
      return;
    }
    showToast("error", "The server could not complete that request. Please try again.", "Something went wrong");
  });

  document.addEventListener("htmx:sendError", function () {
    showToast("error", "Check your connection and try again.", "Could not reach the server");
  });

  /* ------------------------------------------------------------------ start */

  function start() {
    setUpToasts(document);
    var area = document.getElementById("toasts");
    if (area && window.MutationObserver) {
      new MutationObserver(function (mutations) {
        mutations.forEach(function (mutation) {
          mutation.addedNodes.forEach(function (node) {
            if (node.nodeType === Node.ELEMENT_NODE) {
              setUpToasts(node);
            }
          });
        });
      }).observe(area, { childList: true });
    }
  }

  window.Syllabus = window.Syllabus || {};
  window.Syllabus.toast = showToast;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Forms: the CSRF token on htmx requests, and Show/Hide on password fields. */
(function () {
  "use strict";

  var SAFE_METHODS = { get: true, head: true, options: true };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function sameOrigin(path) {
    try {
      return new URL(path, window.location.href).origin === window.location.origin;
    } catch (error) {
      return false;
    }
  }

  /* htmx sends the double-submit token as a header on every state-changing request. */
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (!detail || SAFE_METHODS[String(detail.verb).toLowerCase()] || !sameOrigin(detail.path)) {
      return;
    }
    var token = csrfToken();
    if (token) {
      detail.headers["X-CSRF-Token"] = token;
    }
  });

  function setUpPasswordToggles(root) {
    root.querySelectorAll("[data-password-toggle]").forEach(function (button) {
      if (button.dataset.ready === "true") {
        return;
      }
      var input = document.getElementById(button.getAttribute("data-password-toggle"));
      if (!input) {
        return;
      }
      button.dataset.ready = "true";
      button.hidden = false;
      button.addEventListener("click", function () {
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.textContent = show ? "Hide" : "Show";
        button.setAttribute("aria-pressed", show ? "true" : "false");
        input.focus();
      });
    });
  }

  /* A form going back to the server hides passwords again, so none is left on screen. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    form.querySelectorAll("[data-password-toggle]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-password-toggle"));
      if (input && input.type === "text") {
        input.type = "password";
        button.textContent = "Show";
        button.setAttribute("aria-pressed", "false");
      }
    });
  });

  function start() {
    setUpPasswordToggles(document);
  }

  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) {
      setUpPasswordToggles(event.target);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
