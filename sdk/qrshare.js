/*! qrshare.js - the browser side of qrshare: shows the QR code of a data sharing session,
 * follows its status and hands the outcome to the page. No dependencies, no build step.
 *
 *   <script src="/sdk/qrshare.js"></script>            a plain script: window.QrShare
 *   <script type="module"> import "/sdk/qrshare.js"    as a module: globalThis.QrShare
 *   import QrShare, { mount } from "/sdk/qrshare.mjs"   named exports (a two-line wrapper)
 *
 *   const widget = QrShare.mount(element, {
 *     baseUrl,              // where qrshare answers ("" = this site, the default)
 *     onSessionIdResolver,  // () => create response relayed by your backend (or a promise of it):
 *                           //    {session_id, session_token, url, expires_at[, expires_in]}
 *     handleVerify,         // (session_id) => promise of what your backend got from the decision
 *     onSuccess,            // (result of handleVerify)
 *     onError,              // (Error with .reason: "declined" | "expired" | "cancelled" |
 *                           //   "network" | "session" | "verify" | "not_found"); "network"
 *                           //   only once the server stayed out of reach past expires_at
 *     onStatus,             // (status, {session_id}) on each change of the session's status
 *     i18n,                 // texts replacing those in QrShare.texts
 *     display,              // "auto" (default: a link button on phones, a QR elsewhere), "qr", "link"
 *     refreshBefore,        // seconds before expiry to renew an unscanned code (default 10)
 *     style,                // false: do not add the default stylesheet
 *   });
 *   widget.unmount();       // stops following and cancels the session if it is still open
 *   widget.status, widget.sessionId, widget.url (the code's current url), widget.restart()
 *
 * How it follows the session: one WebSocket (/auth/ws/notifications/?token=), which tells
 * each status as it changes; if that cannot be opened, Server-Sent Events
 * (/auth/v2/session/{id}/events/); if neither, status polls at the server's `interval`,
 * trying the WebSocket again now and then. When the server cannot be reached at all (the
 * network is down), it keeps trying with backoff until the session's expires_at, and reads
 * the current status as soon as it gets through: a user who shares meanwhile loses nothing.
 *
 * The page's backend creates the session with the application's secret; this file only
 * ever holds the session token, which is in the QR code anyway.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module && module.exports) module.exports = api;
  if (root) root.QrShare = api;
})(typeof globalThis !== "undefined" ? globalThis : typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var VERSION = "1.0.0";
  var TERMINAL = { confirmed: 1, declined: 1, expired: 1, cancelled: 1 };
  // Retries after a failure to reach the server: doubling from BACKOFF_MIN to BACKOFF_MAX,
  // with jitter so that many pages cut off together do not come back together.
  var BACKOFF_MIN = 1000;
  var BACKOFF_MAX = 15000;
  // A push connection that has told no status by then is given up for the next way.
  var PUSH_TIMEOUT = 10000;
  // While polling, the WebSocket is tried again after this long, growing to UPGRADE_MAX.
  var UPGRADE_MIN = 3000;
  var UPGRADE_MAX = 15000;

  var TEXTS = {
    loading: "Preparing a code\u2026",
    scan: "Scan this code with your phone to share your details.",
    scanLink: "Open the app on this phone to share your details.",
    openApp: "Open in the app",
    qrAlt: "QR code to scan with your phone",
    confirming: "Confirming data sharing request\u2026",
    confirmed: "Confirmed. Receiving your details\u2026",
    success: "Your details have been shared.",
    declined: "You declined the request.",
    expired: "This code has expired.",
    cancelled: "The request was cancelled.",
    notFound: "This code is no longer valid.",
    network: "Cannot reach the server. Check your connection and try again.",
    reconnecting: "Connection lost. Trying again\u2026",
    sessionFailed: "A code could not be created. Please try again.",
    verifyFailed: "Your details could not be received. Please try again.",
    newCode: "Get a new code",
    retry: "Try again"
  };

  var CSS =
    ".qrshare{font:inherit;text-align:center;max-width:320px;margin:0 auto}" +
    ".qrshare-code{min-height:48px;display:flex;justify-content:center;align-items:center}" +
    ".qrshare-qr{width:240px;height:240px;image-rendering:pixelated;transition:opacity .2s}" +
    ".qrshare-code.qrshare-dim .qrshare-qr{opacity:.12}" +
    ".qrshare-open,.qrshare-action{display:inline-block;padding:.6em 1.2em;border-radius:6px;" +
    "border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;text-decoration:none;font:inherit;cursor:pointer}" +
    ".qrshare-action{background:#fff;color:#1f5fbf;margin-top:.5em}" +
    ".qrshare-status{margin:.6em 0 0;min-height:1.4em}" +
    ".qrshare-note{margin:.3em 0 0;font-size:.9em;color:#4a5561}" +
    ".qrshare [hidden]{display:none!important}" +
    ".qrshare[data-status=confirmed] .qrshare-status{color:#176b2c}" +
    ".qrshare[data-status=declined] .qrshare-status,.qrshare[data-status=error] .qrshare-status{color:#a3261b}";

  function isPhone() {
    if (typeof navigator === "undefined") return false;
    if (navigator.userAgentData && typeof navigator.userAgentData.mobile === "boolean")
      return navigator.userAgentData.mobile;
    return /Android|iPhone|iPad|iPod|Mobi/i.test(navigator.userAgent || "");
  }

  function addStyle(doc) {
    if (doc.getElementById("qrshare-style")) return;
    var s = doc.createElement("style");
    s.id = "qrshare-style";
    s.textContent = CSS;
    (doc.head || doc.documentElement).appendChild(s);
  }

  function failure(reason, message, extra) {
    var e = new Error(message);
    e.reason = reason;
    if (extra) for (var k in extra) if (Object.prototype.hasOwnProperty.call(extra, k)) e[k] = extra[k];
    return e;
  }

  function el(doc, tag, cls) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    return e;
  }

  function Widget(element, options) {
    var o = options || {};
    if (typeof o.onSessionIdResolver !== "function")
      throw new TypeError("QrShare.mount: onSessionIdResolver must be a function");
    this.opts = o;
    this.base = String(o.baseUrl || "").replace(/\/+$/, "");
    this.texts = {};
    for (var k in TEXTS) this.texts[k] = o.i18n && typeof o.i18n[k] === "string" ? o.i18n[k] : TEXTS[k];
    this.display = o.display === "qr" || o.display === "link" ? o.display : isPhone() ? "link" : "qr";
    this.refreshBefore = typeof o.refreshBefore === "number" && o.refreshBefore >= 0 ? o.refreshBefore : 10;
    this.element = element;
    this.session = null; // {id, token, url, expiresAt (ms, this clock)}
    this.status = null; // the session's last known status
    this.gen = 0; // bumps whenever the session or its token changes: late answers are dropped
    this.etag = null;
    this.interval = 2000;
    this.link = null; // the push connection, open or opening: {kind, got, close, trial}
    this.retries = 0; // failures to reach the server in a row
    this.drops = 0; // push connections in a row that broke soon after opening
    this.upgradeDelay = UPGRADE_MIN;
    this.pendingVerify = null; // handleVerify to run again when the browser is back online
    this.timers = {};
    this.aborts = [];
    this.qrObjectUrl = null;
    this.stopped = false;
    this.render();
  }

  Widget.prototype.render = function () {
    var doc = this.element.ownerDocument || document;
    if (this.opts.style !== false) addStyle(doc);
    var root = el(doc, "div", "qrshare");
    this.codeBox = el(doc, "div", "qrshare-code");
    this.statusLine = el(doc, "p", "qrshare-status");
    this.statusLine.setAttribute("role", "status");
    this.statusLine.setAttribute("aria-live", "polite");
    this.note = el(doc, "p", "qrshare-note");
    this.note.setAttribute("role", "status");
    this.note.setAttribute("aria-live", "polite");
    this.action = el(doc, "button", "qrshare-action");
    this.action.type = "button";
    this.action.hidden = true;
    var self = this;
    this.action.addEventListener("click", function () {
      self.restart();
    });
    root.appendChild(this.codeBox);
    root.appendChild(this.statusLine);
    root.appendChild(this.note);
    root.appendChild(this.action);
    this.root = root;
    this.element.appendChild(root);
    // The browser says when the network goes and comes back: a connection open across a
    // cut may be dead without knowing it, and a retry need not wait for its backoff.
    var view = doc.defaultView;
    if (view && view.addEventListener) {
      this.onOnline = function () {
        self.online();
      };
      this.onOffline = function () {
        self.offline();
      };
      view.addEventListener("online", this.onOnline);
      view.addEventListener("offline", this.onOffline);
    }
  };

  Widget.prototype.say = function (key, state) {
    this.statusLine.textContent = this.texts[key];
    this.root.setAttribute("data-status", state || key);
  };

  // The line under the status: empty, or that the connection is being looked for.
  Widget.prototype.hint = function (key) {
    this.note.textContent = key ? this.texts[key] : "";
    this.root.toggleAttribute("data-reconnecting", !!key);
  };

  Widget.prototype.clearTimers = function () {
    for (var k in this.timers) clearTimeout(this.timers[k]);
    this.timers = {};
  };

  Widget.prototype.cancel = function (name) {
    clearTimeout(this.timers[name]);
    delete this.timers[name];
  };

  Widget.prototype.later = function (name, ms, fn) {
    var self = this;
    clearTimeout(this.timers[name]);
    this.timers[name] = setTimeout(function () {
      delete self.timers[name];
      if (!self.stopped) fn.call(self);
    }, Math.max(0, ms));
  };

  // fetch() with an abort on unmount; resolves to the Response, rejects on network failure.
  Widget.prototype.call = function (method, path, token, extraHeaders, keepalive) {
    var headers = { "Data-Session-Token": token };
    if (extraHeaders) for (var h in extraHeaders) headers[h] = extraHeaders[h];
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (keepalive) init.keepalive = true;
    else if (typeof AbortController !== "undefined") {
      var ac = new AbortController();
      this.aborts.push(ac);
      init.signal = ac.signal;
    }
    if (method === "POST") init.body = "";
    var self = this;
    return fetch(this.base + path, init).then(
      function (r) {
        self.dropAbort(init.signal);
        return r;
      },
      function (e) {
        self.dropAbort(init.signal);
        throw e;
      }
    );
  };

  Widget.prototype.dropAbort = function (signal) {
    for (var i = 0; i < this.aborts.length; i++)
      if (this.aborts[i].signal === signal) this.aborts.splice(i--, 1);
  };

  Widget.prototype.sessionPath = function (suffix) {
    return "/auth/v2/session/" + encodeURIComponent(this.session.id) + suffix;
  };

  // --- a session -----------------------------------------------------------------------

  Widget.prototype.start = function () {
    var self = this;
    this.stopped = false;
    this.failed = null;
    this.action.hidden = true;
    this.codeBox.className = "qrshare-code";
    this.codeBox.textContent = "";
    this.say("loading");
    var gen = ++this.gen;
    Promise.resolve()
      .then(function () {
        return self.opts.onSessionIdResolver();
      })
      .then(function (s) {
        if (self.stopped || gen !== self.gen) return;
        if (!s || typeof s.session_id !== "string" || typeof s.session_token !== "string" || typeof s.url !== "string")
          throw new Error("onSessionIdResolver must give session_id, session_token and url");
        self.use(s);
      })
      .catch(function (e) {
        if (self.stopped || gen !== self.gen) return;
        self.fail("session", "sessionFailed", e, "retry");
      });
  };

  // Takes the fields of a create or refresh answer; nothing else of it is kept.
  Widget.prototype.use = function (s) {
    var first = !this.session || this.session.id !== s.session_id;
    this.gen++;
    this.session = {
      id: s.session_id,
      token: s.session_token,
      url: s.url,
      expiresAt: this.deadline(s),
      expiresAtText: s.expires_at
    };
    this.etag = null;
    this.showCode();
    this.scheduleRefresh();
    if (first) {
      this.status = null;
      this.retries = 0;
      this.upgradeDelay = UPGRADE_MIN;
      this.changed("initialized");
      this.follow();
    } else if (!(this.link && this.link.got)) {
      // A refresh while polling: the poll in flight had the old token. An open push
      // connection carries on (the hub keeps it); a new one takes the new token.
      this.later("poll", this.interval, this.poll);
    }
  };

  // expires_in counts from now on this clock; expires_at is the server's clock.
  Widget.prototype.deadline = function (s) {
    if (typeof s.expires_in === "number") return Date.now() + s.expires_in * 1000;
    var t = Date.parse(s.expires_at);
    return isNaN(t) ? null : t;
  };

  Widget.prototype.showCode = function () {
    var doc = this.root.ownerDocument;
    var box = this.codeBox;
    box.textContent = "";
    if (this.display === "link") {
      var a = el(doc, "a", "qrshare-open");
      a.href = this.session.url;
      a.textContent = this.texts.openApp;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      box.appendChild(a);
      return;
    }
    var img = el(doc, "img", "qrshare-qr");
    img.alt = this.texts.qrAlt;
    img.width = 240;
    img.height = 240;
    box.appendChild(img);
    // The token goes in a header, not in the image's URL (and so not in access logs).
    var self = this,
      gen = this.gen;
    this.call("GET", this.sessionPath("/qr.svg"), this.session.token)
      .then(function (r) {
        if (!r.ok) throw new Error("qr.svg: HTTP " + r.status);
        return r.blob();
      })
      .then(function (b) {
        if (self.stopped || gen !== self.gen) return;
        if (self.qrObjectUrl) URL.revokeObjectURL(self.qrObjectUrl);
        self.qrObjectUrl = URL.createObjectURL(b);
        img.src = self.qrObjectUrl;
        img.setAttribute("data-session-id", self.session.id);
      })
      .catch(function () {
        // The status poll tells what happened (expired, scanned, network).
      });
  };

  Widget.prototype.scheduleRefresh = function () {
    this.cancel("refresh");
    if (this.session.expiresAt === null) return;
    var left = this.session.expiresAt - Date.now();
    // Renew early enough for a slow network, never in the first half of a short code's life.
    var before = Math.min(this.refreshBefore * 1000, left / 2);
    this.later("refresh", left - before, this.refresh);
  };

  Widget.prototype.refresh = function () {
    if (this.status !== "initialized") return;
    var self = this,
      gen = this.gen;
    this.call("POST", this.sessionPath("/refresh/"), this.session.token)
      .then(function (r) {
        return r.json().then(
          function (j) {
            return { r: r, j: j };
          },
          function () {
            return { r: r, j: {} };
          }
        );
      })
      .then(function (x) {
        if (self.stopped || gen !== self.gen) return;
        if (x.r.ok && x.j.session_id === self.session.id) {
          self.use(x.j);
        } else if (x.r.status === 429 || x.r.status >= 500) {
          self.retryRefresh();
        }
        // 409: scanned in the meantime, or the session's maximum lifetime is reached;
        // 410: expired. Either way the status poll shows it.
      })
      .catch(function () {
        if (!self.stopped && gen === self.gen) self.retryRefresh();
      });
  };

  Widget.prototype.retryRefresh = function () {
    if (this.session.expiresAt - Date.now() > 3000) this.later("refresh", 2000, this.refresh);
  };

  // --- following the status: WebSocket, else Server-Sent Events, else polls ----------------

  // (Re)connects from the top: the WebSocket first. Each way, when it works, starts by
  // telling the current status, so nothing that happened while away is missed.
  Widget.prototype.follow = function () {
    this.cancel("follow");
    this.closeLink();
    this.cancel("poll");
    this.cancel("upgrade");
    if (typeof WebSocket === "function") this.connect("ws", false);
    else if (typeof EventSource === "function") this.connect("sse", false);
    else this.poll();
  };

  Widget.prototype.wsUrl = function () {
    var u = new URL(this.base + "/auth/ws/notifications/", typeof location !== "undefined" ? location.href : undefined);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.search = "?token=" + encodeURIComponent(this.session.token);
    return u.href;
  };

  // Opens a push connection of kind "ws" or "sse". A trial is a WebSocket tried while
  // polling: polls go on until it tells a status.
  Widget.prototype.connect = function (kind, trial) {
    var self = this,
      link = { kind: kind, got: false, trial: trial, close: function () {} };
    this.closeLink();
    this.link = link;
    function gone() {
      if (self.link !== link || self.stopped) return;
      self.closeLink();
      if (TERMINAL[self.status]) return;
      if (link.got) self.lost(link);
      else if (trial) self.later("upgrade", self.nextUpgrade(), self.upgrade);
      else if (kind === "ws" && typeof EventSource === "function") self.connect("sse", false);
      else self.poll();
    }
    function told(status) {
      if (self.link !== link || self.stopped) return;
      if (!link.got) {
        link.got = true;
        link.since = Date.now();
        self.cancel("connect");
        self.linked();
      }
      self.changed(status);
    }
    function parse(data) {
      var j = null;
      try {
        j = JSON.parse(data);
      } catch (e) {
        return;
      }
      var m = j && j.message;
      if (m && typeof m.status === "string" && (m.session_id === undefined || m.session_id === self.session.id)) told(m.status);
    }
    this.later("connect", PUSH_TIMEOUT, gone);
    try {
      if (kind === "ws") {
        var ws = new WebSocket(this.wsUrl());
        ws.onmessage = function (e) {
          if (typeof e.data === "string") parse(e.data);
        };
        ws.onclose = gone;
        link.close = function () {
          ws.onmessage = ws.onclose = null;
          try {
            ws.close(1000);
          } catch (e) {
            /* already closed */
          }
        };
      } else {
        var es = new EventSource(this.base + this.sessionPath("/events/") + "?token=" + encodeURIComponent(this.session.token));
        es.addEventListener("status", function (e) {
          parse(e.data);
        });
        // EventSource would reconnect by itself; this file's own ladder decides instead.
        es.onerror = gone;
        link.close = function () {
          es.onerror = null;
          es.close();
        };
      }
    } catch (e) {
      this.later("connect", 0, gone);
    }
  };

  Widget.prototype.closeLink = function () {
    var link = this.link;
    this.link = null;
    this.cancel("connect");
    if (link) link.close();
  };

  // A push connection told its first status: it is the way from now on.
  Widget.prototype.linked = function () {
    this.cancel("follow");
    this.cancel("poll");
    this.cancel("upgrade");
    this.upgradeDelay = UPGRADE_MIN;
    this.reached();
  };

  // A push connection that worked has closed without a final status (the hub restarted, a
  // proxy timed out, the network went): from the top again, at once the first time; with
  // backoff when connections keep dropping soon after they open.
  Widget.prototype.lost = function (link) {
    this.drops = Date.now() - link.since < 30000 ? (this.drops || 0) + 1 : 0;
    this.later("follow", this.backoff(this.drops), this.follow);
  };

  Widget.prototype.upgrade = function () {
    if (!TERMINAL[this.status] && typeof WebSocket === "function") this.connect("ws", true);
  };

  Widget.prototype.nextUpgrade = function () {
    var d = this.upgradeDelay;
    this.upgradeDelay = Math.min(this.upgradeDelay * 2, UPGRADE_MAX);
    return d;
  };

  Widget.prototype.backoff = function (n) {
    var d = n > 0 ? Math.min(BACKOFF_MIN * Math.pow(2, n - 1), BACKOFF_MAX) : 250;
    return d * (0.75 + Math.random() / 2);
  };

  // The server answered.
  Widget.prototype.reached = function () {
    this.retries = 0;
    this.hint(null);
  };

  // The server could not be reached: keep trying while the session can still be answered,
  // from the top (push first) each time. Past expires_at nothing can have changed but the
  // outcome, and the outcome cannot be read without the server: say so and offer a retry.
  Widget.prototype.unreachable = function (cause) {
    var now = Date.now();
    if (this.session.expiresAt !== null && now >= this.session.expiresAt)
      return this.fail("network", "network", cause, "retry");
    this.retries++;
    this.hint("reconnecting");
    var wait = this.backoff(this.retries);
    if (this.session.expiresAt !== null) wait = Math.min(wait, this.session.expiresAt - now + 500);
    this.later("follow", wait, this.follow);
  };

  Widget.prototype.online = function () {
    if (this.stopped || this.failed) return;
    if (this.pendingVerify) {
      var again = this.pendingVerify;
      this.pendingVerify = null;
      again();
    } else if (this.session && this.status && !TERMINAL[this.status] && !(this.link && this.link.got)) {
      this.retries = 0;
      this.follow();
    }
  };

  Widget.prototype.offline = function () {
    if (this.stopped || this.failed || !this.session || !this.status || TERMINAL[this.status]) return;
    // The connection may look open, but nothing gets through it now.
    this.closeLink();
    this.cancel("poll");
    this.cancel("upgrade");
    this.unreachable(new Error("the browser is offline"));
  };


  Widget.prototype.poll = function () {
    var self = this,
      gen = this.gen,
      extra = this.etag ? { "If-None-Match": this.etag } : null;
    this.call("GET", this.sessionPath("/status/"), this.session.token, extra)
      .then(function (r) {
        if (self.stopped || gen !== self.gen) return;
        if (r.status === 304) return self.polled();
        if (r.ok)
          return r.json().then(function (j) {
            if (self.stopped || gen !== self.gen) return;
            self.etag = r.headers.get("ETag");
            if (typeof j.interval === "number" && j.interval > 0) self.interval = j.interval * 1000;
            if (typeof j.expires_at === "string") {
              var t = Date.parse(j.expires_at);
              // Renewed by someone else (the backend): follow the server's new expiry.
              if (!isNaN(t) && j.expires_at !== self.session.expiresAtText) {
                self.session.expiresAt = t;
                self.scheduleRefresh();
              }
              self.session.expiresAtText = j.expires_at;
            }
            self.changed(j.status);
            self.polled();
          });
        if (r.status === 404) return self.fail("not_found", "notFound", null, "newCode");
        if (r.status === 410) return self.changed("expired");
        if (r.status === 429 || r.status === 503) {
          var after = parseInt(r.headers.get("Retry-After"), 10);
          self.later("poll", after > 0 ? after * 1000 : self.interval, self.poll);
          return;
        }
        throw new Error("status: HTTP " + r.status);
      })
      .catch(function (e) {
        if (self.stopped || gen !== self.gen) return;
        self.unreachable(e);
      });
  };

  Widget.prototype.polled = function () {
    this.reached();
    if (TERMINAL[this.status]) return;
    if (this.link && this.link.got) return; // a push connection took over meanwhile
    this.later("poll", this.interval, this.poll);
    if (!this.timers.upgrade && !this.link) this.later("upgrade", this.nextUpgrade(), this.upgrade);
  };

  Widget.prototype.changed = function (status) {
    if (status === this.status) return;
    this.status = status;
    var info = { session_id: this.session.id };
    this.hook("onStatus", status, info);
    switch (status) {
      case "initialized":
        this.say(this.display === "link" ? "scanLink" : "scan", status);
        break;
      case "retrieved":
        this.codeBox.className = "qrshare-code qrshare-dim";
        this.cancel("refresh");
        this.say("confirming", status);
        break;
      case "confirmed":
        this.stop();
        this.codeBox.textContent = "";
        this.say("confirmed", status);
        this.verify();
        break;
      case "declined":
        this.stop();
        this.codeBox.textContent = "";
        this.say("declined", status);
        this.offer("newCode");
        this.error(failure("declined", "the user declined to share", info));
        break;
      case "expired":
      case "cancelled":
        this.stop();
        this.codeBox.textContent = "";
        this.say(status, status);
        this.offer("newCode");
        this.error(failure(status, "the session is " + status, info));
        break;
    }
  };

  Widget.prototype.verify = function (tries) {
    var self = this,
      id = this.session.id,
      gen = this.gen;
    tries = tries || 0;
    Promise.resolve()
      .then(function () {
        return typeof self.opts.handleVerify === "function" ? self.opts.handleVerify(id) : { session_id: id, status: "confirmed" };
      })
      .then(
        function (result) {
          if (gen !== self.gen) return;
          self.say("success", "confirmed");
          self.hook("onSuccess", result);
        },
        function (e) {
          if (gen !== self.gen || self.stopped) return;
          // The confirmation got through just as the network went: the page's backend
          // still has the data; ask again when the browser is back online.
          if (typeof navigator !== "undefined" && navigator.onLine === false && tries < 3) {
            self.hint("reconnecting");
            self.pendingVerify = function () {
              self.hint(null);
              self.verify(tries + 1);
            };
            return;
          }
          self.fail("verify", "verifyFailed", e, "newCode");
        }
      );
  };

  // --- endings -------------------------------------------------------------------------

  Widget.prototype.stop = function () {
    this.clearTimers();
    this.closeLink();
    this.pendingVerify = null;
    this.hint(null);
    for (var i = 0; i < this.aborts.length; i++) this.aborts[i].abort();
    this.aborts = [];
  };

  Widget.prototype.fail = function (reason, textKey, cause, actionKey) {
    this.stop();
    this.failed = reason;
    this.gen++;
    this.codeBox.textContent = "";
    this.say(textKey, "error");
    if (actionKey) this.offer(actionKey);
    var extra = { cause: cause || undefined };
    if (this.session) extra.session_id = this.session.id;
    this.error(failure(reason, (cause && cause.message) || reason, extra));
  };

  Widget.prototype.offer = function (key) {
    this.action.textContent = this.texts[key];
    this.action.hidden = false;
  };

  Widget.prototype.error = function (e) {
    this.hook("onError", e);
  };

  // Calls a page's hook; one that throws must not derail the widget.
  Widget.prototype.hook = function (name, a, b) {
    if (typeof this.opts[name] !== "function") return;
    try {
      this.opts[name](a, b);
    } catch (e) {
      if (typeof console !== "undefined") console.error("QrShare: " + name + " threw", e);
    }
  };

  Widget.prototype.restart = function () {
    this.stop();
    this.cancelSession();
    this.session = null;
    this.status = null;
    this.start();
  };

  // A session not decided yet is cancelled (DELETE, kept alive past a page unload).
  Widget.prototype.cancelSession = function () {
    var s = this.session;
    if (!s || TERMINAL[this.status]) return Promise.resolve(false);
    this.status = "cancelled";
    return this.call("DELETE", "/auth/v2/session/" + encodeURIComponent(s.id) + "/", s.token, null, true).then(
      function (r) {
        return r.ok;
      },
      function () {
        return false;
      }
    );
  };

  Widget.prototype.unmount = function () {
    this.stop();
    this.stopped = true;
    this.gen++;
    var done = this.cancelSession();
    if (this.qrObjectUrl) URL.revokeObjectURL(this.qrObjectUrl);
    this.qrObjectUrl = null;
    if (this.root && this.root.parentNode) this.root.parentNode.removeChild(this.root);
    var view = this.root && this.root.ownerDocument.defaultView;
    if (view && this.onOnline) {
      view.removeEventListener("online", this.onOnline);
      view.removeEventListener("offline", this.onOffline);
    }
    return done;
  };

  function mount(element, options) {
    if (typeof element === "string") element = document.querySelector(element);
    if (!element || typeof element.appendChild !== "function")
      throw new TypeError("QrShare.mount: element must be a DOM element or a selector");
    var w = new Widget(element, options);
    w.start();
    return {
      unmount: function () {
        return w.unmount();
      },
      restart: function () {
        w.restart();
      },
      get status() {
        return w.status;
      },
      get sessionId() {
        return w.session ? w.session.id : null;
      },
      get url() {
        return w.session && !TERMINAL[w.status] ? w.session.url : null;
      }
    };
  }

  return { mount: mount, texts: TEXTS, version: VERSION };
});
