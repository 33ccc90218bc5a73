/* Studio uploads in resumable chunks: a progress bar that counts every byte sent and an
   upload that survives a dropped connection or a page reload.

   POST /studio/uploads creates the upload; each chunk is a PATCH carrying its starting
   offset (Upload-Offset). After a network error, a timeout or a 5xx the uploader waits
   (1 s, 2 s, 4 s ... at most 30 s, or until the browser is back online), asks the server
   where it stands (HEAD) and goes on from there. Unfinished uploads are remembered in
   localStorage per file and lesson, so choosing the same file after a reload resumes it.
   The finished asset is attached and the media panel replaced with the server's answer.
   Without this script the same form posts the whole file. No inline code (CSP-safe). */
(function () {
  "use strict";

  var ROOT_SELECTOR = "[data-media-uploader]";
  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var STALL_MS = 60000;
  var KEY_PREFIX = "syllabus.upload:";
  var CHUNK_TYPE = "application/offset+octet-stream";

  var active = new WeakMap(); /* uploader root -> its upload in progress */

  /* ----------------------------------------------------------- small helpers */

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  /* Decimal units, as the server's pages show sizes. */
  function formatBytes(bytes) {
    var units = ["B", "kB", "MB", "GB", "TB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return (unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0)) + " " + units[unit];
  }

  function storageKey(root, file) {
    var parts = [root.dataset.scope, root.dataset.purpose, file.name, file.size, file.lastModified];
    return KEY_PREFIX + parts.join("|");
  }

  /* localStorage may be unavailable (private windows, full quota): resuming is then lost. */
  function saved(method, key, value) {
    try {
      return window.localStorage[method](key, value);
    } catch (error) {
      return null;
    }
  }

  function forget(key) {
    saved("removeItem", key);
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch (error) {
      return null;
    }
  }

  /* The server's words for a refusal, or ours when it sent none. */
  function refusalText(body, status) {
    if (body && typeof body.detail === "string" && body.detail) {
      return body.detail;
    }
    if (status === 413) {
      return "This file is too large.";
    }
    if (status === 401 || status === 303) {
      return "You are signed out. Reload the page, log in and choose the file again.";
    }
    return "The upload was refused (error " + status + ").";
  }

  function toast(kind, text, title) {
    if (window.Syllabus && typeof window.Syllabus.toast === "function") {
      window.Syllabus.toast(kind, text, title);
    }
  }

  /* A lapsed sign-in redirects to the login page, which answers 200 with HTML: call it 401. */
  function statusOf(xhr) {
    try {
      if (xhr.responseURL && new URL(xhr.responseURL).pathname === "/login") {
        return 401;
      }
    } catch (error) {
      /* keep the status */
    }
    return xhr.status;
  }

  /* One request; calls done(status, body text, xhr). Status 0 means no answer: a network
     error, a timeout, or a stalled upload (no progress for STALL_MS) given up on. */
  function send(method, url, options, done) {
    var xhr = new XMLHttpRequest();
    var watchdog = 0;
    var stalled = false;
    function watch() {
      window.clearTimeout(watchdog);
      watchdog = window.setTimeout(function () {
        stalled = true;
        xhr.abort();
      }, STALL_MS);
    }
    function finish(status) {
      window.clearTimeout(watchdog);
      done(status, status ? xhr.responseText : "", xhr);
    }
    xhr.open(method, url, true);
    xhr.setRequestHeader("Accept", "application/json");
    if (method !== "GET" && method !== "HEAD") {
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    }
    Object.keys(options.headers || {}).forEach(function (name) {
      xhr.setRequestHeader(name, options.headers[name]);
    });
    if (options.onProgress) {
      xhr.upload.onprogress = function (event) {
        watch();
        options.onProgress(event.loaded);
      };
      watch();
    }
    xhr.onload = function () {
      finish(statusOf(xhr));
    };
    xhr.onerror = function () {
      finish(0);
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = function () {
      if (stalled) {
        finish(0);
      }
    };
    xhr.send(options.body === undefined ? null : options.body);
    return xhr;
  }

  /* --------------------------------------------------------------- the view */

  /* A part of the uploader (_media_uploader.html has them all): [data-uploader-NAME]. */
  function part(upload, name) {
    return upload.root.querySelector("[data-uploader-" + name + "]");
  }

  function say(upload, text, kind) {
    var status = part(upload, "status");
    if (status.textContent !== text) {
      status.textContent = text; /* a live region: only a change is read out */
    }
    status.classList.toggle("media-uploader__status--error", kind === "error");
    status.classList.toggle("media-uploader__status--done", kind === "done");
  }

  function showSent(upload, sent) {
    var size = upload.file.size;
    var done = Math.min(sent, size);
    var percent = size ? Math.floor((done * 100) / size) : 100;
    var bytes = formatBytes(done) + " of " + formatBytes(size);
    var bar = part(upload, "bar");
    bar.value = percent;
    bar.textContent = percent + " %";
    bar.setAttribute("aria-valuetext", percent + " percent, " + bytes);
    part(upload, "percent").textContent = percent + " %";
    part(upload, "bytes").textContent = bytes;
  }

  function setButtons(upload, retry, cancel) {
    part(upload, "retry").hidden = !retry;
    part(upload, "cancel").hidden = !cancel;
  }

  /* ------------------------------------------------------------- the upload */

  function newUpload(root, file) {
    return {
      root: root,
      file: file,
      key: storageKey(root, file),
      id: null,
      offset: 0,
      chunkBytes: 0,
      delay: FIRST_DELAY_MS,
      xhr: null,
      timer: 0,
      stopped: false,
      retryAction: null,
    };
  }

  function stateUrl(upload) {
    return upload.root.dataset.createUrl + "/" + encodeURIComponent(upload.id);
  }

  function clearTimer(upload) {
    window.clearTimeout(upload.timer);
    upload.timer = 0;
  }

  /* Stop for good (a refusal the user must act on). */
  function stop(upload, text) {
    upload.stopped = true;
    clearTimer(upload);
    active.delete(upload.root);
    setButtons(upload, false, false);
    say(upload, text, "error");
  }

  /* No answer, a timeout or a server error: wait, then ask where the upload stands. */
  function retryLater(upload, action) {
    if (upload.stopped) {
      return;
    }
    clearTimer(upload);
    var wait = upload.delay;
    upload.delay = Math.min(upload.delay * 2, MAX_DELAY_MS);
    upload.retryAction = action;
    setButtons(upload, true, true);
    say(upload, "Connection lost. Retrying in " + Math.round(wait / 1000) + " s\u2026");
    upload.timer = window.setTimeout(function () {
      retryNow(upload);
    }, wait);
  }

  function retryNow(upload) {
    if (upload.stopped || !upload.retryAction) {
      return;
    }
    clearTimer(upload);
    var action = upload.retryAction;
    upload.retryAction = null;
    setButtons(upload, false, true);
    say(upload, "Reconnecting\u2026");
    action(upload);
  }

  function handleState(upload, state) {
    upload.delay = FIRST_DELAY_MS;
    upload.offset = state.received_bytes;
    upload.chunkBytes = state.chunk_bytes || upload.chunkBytes;
    showSent(upload, upload.offset);
    if (state.media_id) {
      attach(upload, state.media_id);
    } else if (state.status !== "open") {
      forget(upload.key);
      stop(upload, "This upload was closed. Choose the file again to start over.");
    } else {
      sendChunk(upload);
    }
  }

  /* Create the upload on the server, or pick up the one remembered for this file. */
  function begin(upload) {
    var known = saved("getItem", upload.key);
    if (!known) {
      create(upload);
      return;
    }
    upload.id = known;
    say(upload, "Checking the earlier upload of this file\u2026");
    send("GET", stateUrl(upload), {}, function (status, text) {
      if (upload.stopped) {
        return;
      }
      var state = status === 200 ? parseJson(text) : null;
      if (state && state.total_bytes === upload.file.size && (state.status === "open" || state.media_id)) {
        say(upload, "Resuming the upload at " + formatBytes(state.received_bytes) + "\u2026");
        handleState(upload, state);
      } else if (status === 0 || status >= 500) {
        retryLater(upload, begin);
      } else {
        forget(upload.key);
        upload.id = null;
        create(upload);
      }
    });
  }

  function create(upload) {
    var body = JSON.stringify({
      purpose: upload.root.dataset.purpose,
      filename: upload.file.name,
      size: upload.file.size,
    });
    say(upload, "Uploading " + upload.file.name + "\u2026");
    send("POST", upload.root.dataset.createUrl, { body: body, headers: { "Content-Type": "application/json" } }, function (status, text) {
      if (upload.stopped) {
        return;
      }
      var answer = parseJson(text);
      if (status === 201 && answer && answer.id) {
        upload.id = answer.id;
        saved("setItem", upload.key, answer.id);
        handleState(upload, answer);
      } else if (status === 0 || status >= 500) {
        retryLater(upload, create);
      } else {
        stop(upload, refusalText(answer, status));
      }
    });
  }

  function sendChunk(upload) {
    var start = upload.offset;
    var options = {
      body: upload.file.slice(start, Math.min(start + upload.chunkBytes, upload.file.size)),
      headers: { "Content-Type": CHUNK_TYPE, "Upload-Offset": String(start) },
      onProgress: function (loaded) {
        showSent(upload, start + loaded);
      },
    };
    upload.xhr = send("PATCH", stateUrl(upload), options, function (status, text) {
      upload.xhr = null;
      if (upload.stopped) {
        return;
      }
      var answer = parseJson(text);
      if (status === 200 && answer) {
        say(upload, "Uploading " + upload.file.name + "\u2026");
        setButtons(upload, false, true);
        handleState(upload, answer);
      } else if (status === 409 && answer && answer.code === "offset_mismatch" && typeof answer.offset === "number") {
        upload.offset = answer.offset;
        sendChunk(upload);
      } else if (status === 409 && answer && answer.code === "upload_closed") {
        begin(upload); /* finished by an earlier try, or expired: GET says which */
      } else if (status === 404) {
        forget(upload.key);
        stop(upload, refusalText(answer, 404) + " Choose the file again to start over.");
      } else if (status === 0 || status >= 500) {
        showSent(upload, upload.offset);
        retryLater(upload, resync);
      } else {
        if (status === 413 || status === 415 || status === 422) {
          forget(upload.key); /* the file itself is refused: nothing to resume */
        }
        stop(upload, refusalText(answer, status));
      }
    });
  }

  /* Ask the server how much it has (HEAD), then carry on from there. */
  function resync(upload) {
    send("HEAD", stateUrl(upload), {}, function (status, text, xhr) {
      if (upload.stopped) {
        return;
      }
      var offset = parseInt(xhr.getResponseHeader("Upload-Offset") || "", 10);
      if (status === 200 && !isNaN(offset)) {
        upload.delay = FIRST_DELAY_MS;
        if (offset >= upload.file.size) {
          begin(upload); /* finished meanwhile: GET says which asset it became */
          return;
        }
        upload.offset = offset;
        showSent(upload, offset);
        say(upload, "Uploading " + upload.file.name + "\u2026");
        sendChunk(upload);
      } else if (status === 404) {
        forget(upload.key);
        stop(upload, "This upload has expired or was cancelled. Choose the file again to start over.");
      } else {
        retryLater(upload, resync);
      }
    });
  }

  /* Attach the finished asset and put the server's new panel in place of this one. */
  function attach(upload, mediaId) {
    forget(upload.key);
    showSent(upload, upload.file.size);
    setButtons(upload, false, false);
    say(upload, "Upload complete. Saving\u2026");
    var body = new URLSearchParams();
    body.set("media_id", mediaId);
    body.set("csrf_token", csrfToken());
    var headers = { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" };
    send("POST", upload.root.dataset.attachUrl, { body: body.toString(), headers: headers }, function (status, text) {
      if (upload.stopped) {
        return;
      }
      if (status === 200) {
        active.delete(upload.root);
        upload.stopped = true;
        replacePanel(upload, text);
        return;
      }
      if (status === 0 || status >= 500) {
        upload.retryAction = function () {
          attach(upload, mediaId);
        };
        setButtons(upload, true, false);
        say(upload, "The file is uploaded but could not be saved to this page. Retry now.", "error");
        return;
      }
      stop(upload, refusalText(parseJson(text), status));
    });
  }

  function replacePanel(upload, html) {
    var panel = upload.root.closest("[data-media-panel]");
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.querySelector("[data-media-panel]");
    if (!panel || !fresh) {
      window.location.reload();
      return;
    }
    panel.replaceWith(fresh);
    if (window.htmx && typeof window.htmx.process === "function") {
      window.htmx.process(fresh);
    }
    setUp(fresh);
    /* The new panel's uploader shows the finished upload until another file is chosen. */
    var done = newUpload(fresh.querySelector(ROOT_SELECTOR) || fresh, upload.file);
    var text = upload.file.name + " is uploaded.";
    part(done, "progress").hidden = false;
    showSent(done, upload.file.size);
    say(done, text, "done");
    toast("success", text, "Upload complete");
    var heading = fresh.querySelector(".panel__title");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function cancel(root) {
    var upload = active.get(root);
    if (!upload) {
      return;
    }
    upload.stopped = true;
    clearTimer(upload);
    active.delete(root);
    if (upload.xhr) {
      upload.xhr.abort();
    }
    forget(upload.key);
    if (upload.id) {
      send("DELETE", stateUrl(upload), {}, function () {});
    }
    setButtons(upload, false, false);
    part(upload, "progress").hidden = true;
    part(upload, "input").value = "";
    say(upload, "Upload cancelled.");
  }

  function start(root, file) {
    var previous = active.get(root);
    if (previous) {
      /* Another file was chosen: leave the earlier upload resumable and start this one. */
      previous.stopped = true;
      clearTimer(previous);
      if (previous.xhr) {
        previous.xhr.abort();
      }
    }
    var upload = newUpload(root, file);
    var max = parseInt(root.dataset.maxBytes || "0", 10);
    if (file.size === 0) {
      stop(upload, "This file is empty. Choose another one.");
      return;
    }
    if (max && file.size > max) {
      stop(upload, "This file is " + formatBytes(file.size) + "; the limit is " + (root.dataset.maxLabel || formatBytes(max)) + ".");
      return;
    }
    active.set(root, upload);
    part(upload, "progress").hidden = false;
    showSent(upload, 0);
    setButtons(upload, false, true);
    begin(upload);
  }

  /* ------------------------------------------------------------------ wiring */

  function setUp(scope) {
    var roots = [];
    if (scope.matches && scope.matches(ROOT_SELECTOR)) {
      roots.push(scope);
    }
    if (scope.querySelectorAll) {
      scope.querySelectorAll(ROOT_SELECTOR).forEach(function (root) {
        roots.push(root);
      });
    }
    roots.forEach(function (root) {
      if (root.dataset.enhanced === "true") {
        return;
      }
      root.dataset.enhanced = "true";
      var submit = root.querySelector("[data-uploader-submit]");
      if (submit) {
        submit.hidden = true; /* choosing a file starts the upload */
      }
    });
  }

  function rootOf(target) {
    return target instanceof Element ? target.closest(ROOT_SELECTOR) : null;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    var root = rootOf(input);
    if (root && input.matches("[data-uploader-input]") && input.files && input.files[0]) {
      start(root, input.files[0]);
    }
  });

  document.addEventListener("submit", function (event) {
    var root = rootOf(event.target);
    if (!root) {
      return;
    }
    event.preventDefault();
    var input = root.querySelector("[data-uploader-input]");
    if (input && input.files && input.files[0] && !active.get(root)) {
      start(root, input.files[0]);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var root = rootOf(target);
    if (!root) {
      return;
    }
    if (target.closest("[data-uploader-retry]")) {
      var upload = active.get(root);
      if (upload) {
        retryNow(upload);
      }
    } else if (target.closest("[data-uploader-cancel]")) {
      cancel(root);
    }
  });

  /* Back online: do not wait for the backoff timer. */
  window.addEventListener("online", function () {
    document.querySelectorAll(ROOT_SELECTOR).forEach(function (root) {
      var upload = active.get(root);
      if (upload && upload.retryAction) {
        retryNow(upload);
      }
    });
  });

  /* Leaving mid-upload loses nothing (choosing the file again resumes), but say so. */
  window.addEventListener("beforeunload", function (event) {
    var busy = Array.prototype.some.call(document.querySelectorAll(ROOT_SELECTOR), function (root) {
      return active.has(root);
    });
    if (busy) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("htmx:load", function (event) {
    if (event.target) {
      setUp(event.target);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      setUp(document);
    });
  } else {
    setUp(document);
  }
})();
