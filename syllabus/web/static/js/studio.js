/* Instructor studio: drag-and-drop curriculum ordering (SortableJS) and focus care after
   htmx swaps. Loaded only on studio pages, after vendor/Sortable.min.js. No inline code. */
(function () {
  "use strict";

  var ROOT_SELECTOR = "[data-curriculum]";
  var SAVE_ERROR = "The new order was not saved. The list shows the last saved order.";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function toast(kind, text, title) {
    if (window.Syllabus && typeof window.Syllabus.toast === "function") {
      window.Syllabus.toast(kind, text, title);
    }
  }

  function announce(root, text) {
    var status = document.getElementById("curriculum-status");
    if (status) {
      status.textContent = text;
    }
  }

  /* The whole curriculum as the order endpoint wants it. */
  function orderOf(root) {
    var sections = [];
    root.querySelectorAll("[data-section-id]").forEach(function (section) {
      var lessons = [];
      section.querySelectorAll("[data-lesson-id]").forEach(function (lesson) {
        lessons.push(lesson.getAttribute("data-lesson-id"));
      });
      sections.push({ id: section.getAttribute("data-section-id"), lessons: lessons });
    });
    return { sections: sections };
  }

  function replaceRoot(root, html) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.querySelector(ROOT_SELECTOR);
    if (!fresh) {
      return root;
    }
    destroy(root);
    root.replaceWith(fresh);
    if (window.htmx && typeof window.htmx.process === "function") {
      window.htmx.process(fresh);
    }
    setUp(fresh);
    return fresh;
  }

  function reloadFragment(root) {
    var url = root.getAttribute("data-fragment-url");
    if (!url) {
      window.location.reload();
      return;
    }
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        replaceRoot(root, html);
      })
      .catch(function () {
        window.location.reload();
      });
  }

  function saveOrder(root) {
    var url = root.getAttribute("data-order-url");
    if (!url || root.getAttribute("data-saving") === "true") {
      return;
    }
    root.setAttribute("data-saving", "true");
    root.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRF-Token": csrfToken(),
        "HX-Request": "true",
        Accept: "text/html"
      },
      body: JSON.stringify(orderOf(root))
    })
      .then(function (response) {
        if (!response.ok) {
          return Promise.reject(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = replaceRoot(root, html);
        announce(fresh, "Order saved.");
      })
      .catch(function () {
        root.removeAttribute("data-saving");
        root.removeAttribute("aria-busy");
        toast("error", SAVE_ERROR, "Could not save the order");
        reloadFragment(root);
      });
  }

  function destroy(root) {
    (root.__sortables || []).forEach(function (instance) {
      instance.destroy();
    });
    root.__sortables = [];
  }

  function moved(event) {
    return event.from !== event.to || event.oldIndex !== event.newIndex;
  }

  function setUp(root) {
    if (!root || typeof window.Sortable === "undefined") {
      return;
    }
    destroy(root);
    root.classList.add("is-sortable");
    var common = {
      animation: 150,
      ghostClass: "is-ghost",
      chosenClass: "is-chosen",
      dragClass: "is-dragging",
      fallbackClass: "is-dragging",
      /* Pointer events instead of native drag and drop: the same look and behaviour with a
         mouse, a pen or a finger, and no browser drag image. */
      forceFallback: true,
      fallbackOnBody: true,
      fallbackTolerance: 3
    };
    var sortables = [];
    var sectionList = root.querySelector("[data-sortable-sections]");
    if (sectionList) {
      sortables.push(
        window.Sortable.create(
          sectionList,
          Object.assign({}, common, {
            handle: "[data-drag-handle='section']",
            draggable: "[data-section-id]",
            onEnd: function (event) {
              if (moved(event)) {
                saveOrder(root);
              }
            }
          })
        )
      );
    }
    root.querySelectorAll("[data-sortable-lessons]").forEach(function (list) {
      sortables.push(
        window.Sortable.create(
          list,
          Object.assign({}, common, {
            group: "lessons",
            handle: "[data-drag-handle='lesson']",
            draggable: "[data-lesson-id]",
            emptyInsertThreshold: 24,
            onEnd: function (event) {
              if (moved(event)) {
                saveOrder(root);
              }
            }
          })
        )
      );
    });
    root.__sortables = sortables;
  }

  function setUpWithin(node) {
    if (!node || !node.querySelectorAll) {
      return;
    }
    if (node.matches && node.matches(ROOT_SELECTOR)) {
      setUp(node);
      return;
    }
    node.querySelectorAll(ROOT_SELECTOR).forEach(setUp);
  }

  /* ------------------------------------------------ focus after htmx swaps */

  /* A Move up/Move down button is replaced by the swap: put focus back on its twin. */
  var pendingFocus = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    var form = source && source.closest ? source.closest("form") : null;
    if (!form) {
      pendingFocus = null;
      return;
    }
    var inner = form.querySelector("[data-focus-key]");
    pendingFocus = form.getAttribute("data-focus-after") || (inner ? inner.getAttribute("data-focus-key") : null);
  });

  /* Right after the swap, before anyone can type into the new content. */
  document.addEventListener("htmx:afterSwap", function () {
    if (!pendingFocus) {
      return;
    }
    var key = pendingFocus;
    pendingFocus = null;
    var target = document.querySelector('[data-focus-key="' + key + '"]');
    if (target && target.disabled) {
      var twin = target.getAttribute("data-focus-twin");
      target = twin ? document.querySelector('[data-focus-key="' + twin + '"]') : null;
    }
    if (target && !target.disabled) {
      target.focus();
    }
  });

  document.addEventListener("htmx:load", function (event) {
    setUpWithin(event.target);
  });

  function start() {
    setUpWithin(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
