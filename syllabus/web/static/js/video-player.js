/* Video player for lessons and course previews: HLS through hls.js (or the browser's own HLS),
   a quality and a speed menu, resume from the saved position, keyboard shortcuts, position
   reports to the server and renewal of the short-lived signed stream URL.
   Markup: [data-video-player] with data-hls-url, data-expires-at, data-start-position,
   data-playback-url and, for lessons, data-position-url. No inline code (CSP-safe). */
(function () {
  "use strict";

  var REPORT_EVERY_MS = 10000;
  var RENEW_BEFORE_MS = 60000; // ask for a fresh URL a minute before the old one lapses
  var MIN_RENEW_DELAY_MS = 5000;
  var RENEW_RETRY_GAP_MS = 15000; // a 403 right after a renewal is not retried in a loop
  var MAX_RECOVERIES = 3; // media or network errors this player tries to get past
  var SEEK_STEP = 10;
  var ARROW_STEP = 5;
  var END_MARGIN = 2; // a saved position this close to the end starts the video over
  var SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  var SPEED_KEY = "syllabus.playbackRate";
  var HLS_TYPE = "application/vnd.apple.mpegurl";

  var players = [];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function number(value, fallback) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : fallback;
  }

  function storedSpeed() {
    try {
      var value = number(window.localStorage.getItem(SPEED_KEY), 1);
      return SPEEDS.indexOf(value) >= 0 ? value : 1;
    } catch (error) {
      return 1;
    }
  }

  function storeSpeed(value) {
    try {
      window.localStorage.setItem(SPEED_KEY, String(value));
    } catch (error) {
      /* private mode: the choice lasts for this page only */
    }
  }

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function speedLabel(value) {
    return (value === 1 ? "Normal" : String(value) + "\u00d7");
  }

  function Player(root) {
    this.root = root;
    this.video = root.querySelector("[data-video]");
    this.quality = root.querySelector("[data-quality]");
    this.speed = root.querySelector("[data-speed]");
    this.status = root.querySelector("[data-player-status]");
    this.hlsUrl = root.dataset.hlsUrl || "";
    this.expiresAt = Date.parse(root.dataset.expiresAt || "") || 0;
    this.playbackUrl = root.dataset.playbackUrl || "";
    this.positionUrl = root.dataset.positionUrl || "";
    this.completed = root.dataset.completed === "true";
    this.hls = null;
    this.pendingSeek = number(root.dataset.startPosition, 0) || null;
    this.resuming = true; // the first load seeks to the saved position
    this.playAfterLoad = false;
    this.lastSent = Math.floor(this.pendingSeek || 0) || -1;
    this.renewTimer = null;
    this.lastRenewal = 0;
    this.renewing = null;
    this.recoveries = 0;
  }

  Player.prototype.start = function () {
    if (!this.video || !this.hlsUrl) {
      return;
    }
    this.root.classList.add("is-enhanced");
    this.setUpSpeed();
    this.bindVideo();
    if (!this.load(this.hlsUrl)) {
      this.say("This browser cannot play this video. Try a current version of Chrome, Firefox, Edge or Safari.");
      this.root.classList.add("is-unsupported");
      return;
    }
    this.scheduleRenewal();
    if (this.positionUrl) {
      var self = this;
      window.setInterval(function () {
        if (!self.video.paused && !self.video.ended) {
          self.report(false, false);
        }
      }, REPORT_EVERY_MS);
    }
  };

  Player.prototype.say = function (text) {
    if (this.status) {
      this.status.textContent = text;
    }
  };

  /* ------------------------------------------------------------ source */

  Player.prototype.load = function (url) {
    var Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      this.attachHls(url);
      return true;
    }
    if (this.video.canPlayType(HLS_TYPE)) {
      if (this.quality) {
        this.quality.closest("[data-quality-field]").hidden = true;
      }
      this.video.src = url;
      this.video.load();
      return true;
    }
    return false;
  };

  Player.prototype.attachHls = function (url) {
    var Hls = window.Hls;
    var self = this;
    if (this.hls) {
      this.hls.destroy();
    }
    var hls = new Hls({
      enableWorker: false, // a blob: worker is outside the page's script policy
      startPosition: this.pendingSeek && this.pendingSeek > 0 ? this.pendingSeek : -1,
      capLevelToPlayerSize: true
    });
    this.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, function () {
      self.fillQualities();
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, function (_event, data) {
      self.showAutoLevel(data.level);
    });
    hls.on(Hls.Events.ERROR, function (_event, data) {
      self.onHlsError(data);
    });
    hls.loadSource(url);
    hls.attachMedia(this.video);
  };

  Player.prototype.onHlsError = function (data) {
    if (!data || !data.fatal) {
      return;
    }
    var Hls = window.Hls;
    var code = data.response && data.response.code;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (code === 403 || code === 410)) {
      this.renewAfterRefusal();
    } else if (this.recoveries >= MAX_RECOVERIES) {
      this.say("The video could not be played. Reload the page to try again.");
    } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      this.recoveries += 1;
      this.hls.recoverMediaError();
    } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      this.recoveries += 1;
      this.say("The connection dropped. Trying again\u2026");
      var hls = this.hls;
      window.setTimeout(function () {
        hls.startLoad();
      }, 2000);
    } else {
      this.say("The video could not be played. Reload the page to try again.");
    }
  };

  /* Load the same video again from a new URL, at the same moment, playing if it was. */
  Player.prototype.reload = function () {
    var video = this.video;
    this.pendingSeek = video.currentTime || this.pendingSeek;
    this.playAfterLoad = !video.paused && !video.ended;
    this.load(this.hlsUrl);
  };

  Player.prototype.onMetadata = function () {
    var video = this.video;
    var target = this.pendingSeek;
    this.pendingSeek = null;
    var restart = this.resuming && target && isFinite(video.duration) && target >= video.duration - END_MARGIN;
    this.resuming = false;
    if (restart) {
      video.currentTime = 0; // watched to the end last time: start over
    } else if (target && Math.abs(video.currentTime - target) > 0.5) {
      video.currentTime = target;
    }
    if (this.playAfterLoad) {
      this.playAfterLoad = false;
      var playing = video.play();
      if (playing && playing.catch) {
        playing.catch(function () {});
      }
    }
  };

  /* ----------------------------------------------------------- renewal */

  Player.prototype.scheduleRenewal = function () {
    var self = this;
    window.clearTimeout(this.renewTimer);
    if (!this.expiresAt || !this.playbackUrl) {
      return;
    }
    var delay = Math.max(this.expiresAt - Date.now() - RENEW_BEFORE_MS, MIN_RENEW_DELAY_MS);
    this.renewTimer = window.setTimeout(function () {
      self.renew();
    }, Math.min(delay, 2147483000));
  };

  Player.prototype.renew = function () {
    var self = this;
    if (this.renewing) {
      return this.renewing;
    }
    this.lastRenewal = Date.now();
    this.renewing = window
      .fetch(this.playbackUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" }
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("playback " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        self.hlsUrl = data.hls_url;
        self.expiresAt = Date.parse(data.expires_at) || 0;
        self.reload();
        self.scheduleRenewal();
      })
      .catch(function () {
        self.say("This video link has expired. Reload the page to keep watching.");
      })
      .then(function () {
        self.renewing = null;
      });
    return this.renewing;
  };

  Player.prototype.renewAfterRefusal = function () {
    if (Date.now() - this.lastRenewal < RENEW_RETRY_GAP_MS) {
      this.say("This video is not available right now. Reload the page to try again.");
      return;
    }
    this.renew();
  };

  Player.prototype.renewIfStale = function () {
    if (this.expiresAt && Date.now() > this.expiresAt - RENEW_BEFORE_MS) {
      this.renew();
    }
  };

  /* ------------------------------------------------------------- menus */

  Player.prototype.fillQualities = function () {
    var select = this.quality;
    var hls = this.hls;
    if (!select || !hls) {
      return;
    }
    var chosen = select.value;
    while (select.options.length > 1) {
      select.remove(1);
    }
    var levels = hls.levels
      .map(function (level, index) {
        return { index: index, height: level.height || 0, name: level.name || "" };
      })
      .sort(function (a, b) {
        return b.height - a.height;
      });
    levels.forEach(function (level) {
      var label = level.height ? level.height + "p" : level.name || "Level " + (level.index + 1);
      select.add(new Option(label, String(level.index)));
    });
    select.disabled = levels.length < 2;
    select.value = chosen && select.querySelector('option[value="' + chosen + '"]') ? chosen : "-1";
    if (select.value !== "-1") {
      hls.currentLevel = parseInt(select.value, 10);
    }
  };

  Player.prototype.showAutoLevel = function (index) {
    var select = this.quality;
    var hls = this.hls;
    if (!select || !hls || !select.options.length) {
      return;
    }
    var level = hls.levels[index];
    var auto = select.options[0];
    auto.textContent = hls.autoLevelEnabled && level && level.height ? "Auto (" + level.height + "p)" : "Auto";
  };

  Player.prototype.setUpSpeed = function () {
    var self = this;
    var video = this.video;
    var preferred = storedSpeed();
    video.playbackRate = preferred;
    video.defaultPlaybackRate = preferred;
    if (this.speed) {
      this.speed.value = String(preferred);
      this.speed.addEventListener("change", function () {
        self.setSpeed(number(self.speed.value, 1));
      });
    }
    if (this.quality) {
      this.quality.addEventListener("change", function () {
        if (self.hls) {
          self.hls.currentLevel = parseInt(self.quality.value, 10);
          self.showAutoLevel(self.hls.currentLevel);
        }
      });
    }
  };

  Player.prototype.setSpeed = function (value) {
    this.video.playbackRate = value;
    this.video.defaultPlaybackRate = value;
    storeSpeed(value);
  };

  Player.prototype.stepSpeed = function (direction) {
    var current = SPEEDS.indexOf(this.video.playbackRate);
    if (current < 0) {
      current = SPEEDS.indexOf(1);
    }
    var next = Math.min(Math.max(current + direction, 0), SPEEDS.length - 1);
    this.setSpeed(SPEEDS[next]);
    this.say("Speed " + speedLabel(SPEEDS[next]));
  };

  /* ------------------------------------------------------------ events */

  Player.prototype.bindVideo = function () {
    var self = this;
    var video = this.video;
    video.addEventListener("loadedmetadata", function () {
      self.onMetadata();
    });
    video.addEventListener("ratechange", function () {
      if (self.speed) {
        self.speed.value = String(video.playbackRate);
      }
    });
    video.addEventListener("error", function () {
      // The browser's own HLS: an expired URL shows up as a media error.
      if (!self.hls && video.error) {
        self.renewAfterRefusal();
      }
    });
    video.addEventListener("pause", function () {
      if (!video.ended) {
        self.report(false, false);
      }
    });
    video.addEventListener("seeked", function () {
      self.report(false, false);
    });
    video.addEventListener("ended", function () {
      self.report(true, false);
    });
  };

  /* Shortcuts act when the player has focus, or when nothing that takes typing does. */
  Player.prototype.handleKey = function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return false;
    }
    var target = event.target;
    var inside = this.root.contains(target);
    var idle = !target || target === document.body || target === document.documentElement || target.id === "main";
    if (isTyping(target) || !(inside || idle)) {
      return false;
    }
    var video = this.video;
    var key = event.key;
    if (key === " " || key === "k" || key === "K") {
      if (key === " " && inside && target !== video && target.tagName.toLowerCase() === "button") {
        return false;
      }
      this.togglePlay();
    } else if (key === "j" || key === "J") {
      this.seekBy(-SEEK_STEP);
    } else if (key === "l" || key === "L") {
      this.seekBy(SEEK_STEP);
    } else if (key === "ArrowLeft") {
      this.seekBy(-ARROW_STEP);
    } else if (key === "ArrowRight") {
      this.seekBy(ARROW_STEP);
    } else if (key === "m" || key === "M") {
      video.muted = !video.muted;
      this.say(video.muted ? "Muted" : "Sound on");
    } else if (key === "f" || key === "F") {
      this.toggleFullscreen();
    } else if (key === "<" || key === ",") {
      this.stepSpeed(-1);
    } else if (key === ">" || key === ".") {
      this.stepSpeed(1);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  };

  Player.prototype.togglePlay = function () {
    var video = this.video;
    if (video.paused || video.ended) {
      var playing = video.play();
      if (playing && playing.catch) {
        playing.catch(function () {});
      }
    } else {
      video.pause();
    }
  };

  Player.prototype.seekBy = function (seconds) {
    var video = this.video;
    var end = isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.min(Math.max(video.currentTime + seconds, 0), end);
  };

  Player.prototype.toggleFullscreen = function () {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(function () {});
    } else if (this.root.requestFullscreen) {
      this.root.requestFullscreen().catch(function () {});
    } else if (this.video.webkitEnterFullscreen) {
      this.video.webkitEnterFullscreen();
    }
  };

  /* ---------------------------------------------------------- progress */

  /* Tell the server where the student is; the furthest position is kept there. */
  Player.prototype.report = function (completed, leaving) {
    if (!this.positionUrl) {
      return;
    }
    var position = Math.floor(this.video.currentTime || 0);
    if (!completed && (position <= 0 || position === this.lastSent)) {
      return;
    }
    this.lastSent = position;
    var body = { position_seconds: position };
    if (completed) {
      body.completed = true;
    }
    var self = this;
    var request;
    try {
      request = window.fetch(this.positionUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: leaving,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRF-Token": csrfToken()
        },
        body: JSON.stringify(body)
      });
    } catch (error) {
      this.beacon(body);
      return;
    }
    request
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (saved) {
        if (saved && saved.completed && !self.completed) {
          self.completed = true;
          self.say("Lesson complete.");
        }
      })
      .catch(function () {
        self.lastSent = -1; // try again at the next report
      });
  };

  /* The last word when fetch with keepalive is missing: a form with the token in it. */
  Player.prototype.beacon = function (body) {
    if (!navigator.sendBeacon) {
      return;
    }
    var form = new FormData();
    form.append("position_seconds", String(body.position_seconds));
    if (body.completed) {
      form.append("completed", "true");
    }
    form.append("csrf_token", csrfToken());
    navigator.sendBeacon(this.positionUrl, form);
  };

  /* ------------------------------------------------------------- setup */

  function setUp() {
    var roots = document.querySelectorAll("[data-video-player]");
    Array.prototype.forEach.call(roots, function (root) {
      if (root.dataset.ready === "true") {
        return;
      }
      root.dataset.ready = "true";
      var player = new Player(root);
      players.push(player);
      player.start();
    });
  }

  document.addEventListener("keydown", function (event) {
    for (var i = 0; i < players.length; i += 1) {
      var player = players[i];
      // Keys inside a player go to it; elsewhere to the first player on the page.
      if ((player.root.contains(event.target) || i === 0) && player.handleKey(event)) {
        return;
      }
    }
  });

  window.addEventListener("pagehide", function () {
    players.forEach(function (player) {
      if (!player.video.paused) {
        player.report(false, true);
      }
    });
  });

  document.addEventListener("visibilitychange", function () {
    players.forEach(function (player) {
      if (document.visibilityState === "hidden") {
        player.report(false, true);
      } else {
        player.renewIfStale();
      }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
