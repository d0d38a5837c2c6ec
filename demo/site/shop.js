// demo/site/shop.js - the demo shop's page script: what a site writes around the SDK.
// The two backend calls go to the shop's own backend (/demo-api/, demo/cgi/shop.cgi),
// which holds the application secret; this page never sees it.
(function () {
  "use strict";

  var LABELS = {
    user_id: "User id", picture: "Picture", names: "Name", email: "Email", phone: "Phone",
    gender: "Gender", document_detail: "Identity document", birthdate: "Date of birth",
    address: "Address", bank_account: "Bank account", preferences: "Preferences",
    is_verified: "Identity verified", is_over_18: "Over 18", is_over_21: "Over 21",
    instagram_account: "Instagram", x_account: "X", tiktok_account: "TikTok"
  };
  var DEFAULT_SCOPE = ["email", "names", "phone"];

  function $(id) {
    return document.getElementById(id);
  }

  function event(text) {
    var li = document.createElement("li");
    li.textContent = text;
    $("events").appendChild(li);
  }

  function format(v) {
    if (v === true) return "yes";
    if (v === false) return "no";
    if (v && typeof v === "object") {
      if (typeof v.first_name === "string" || typeof v.last_name === "string")
        return [v.first_name, v.middle_name, v.last_name].filter(Boolean).join(" ");
      return Object.keys(v)
        .map(function (k) {
          return k.replace(/_/g, " ") + ": " + format(v[k]);
        })
        .join(", ");
    }
    return String(v);
  }

  // What the page asks for: ?scope=email&scope=names or ?scope=email+names, and ?expires_in=.
  function requested() {
    var q = new URLSearchParams(location.search), words = [];
    q.getAll("scope").forEach(function (s) {
      s.split(/[\s,]+/).forEach(function (w) {
        if (LABELS[w] && words.indexOf(w) < 0) words.push(w);
      });
    });
    var exp = parseInt(q.get("expires_in"), 10);
    return { scope: words.length ? words : DEFAULT_SCOPE, expires_in: exp > 0 ? exp : undefined };
  }

  // ?base=: qrshare on another origin (the tests' cross-origin case); loopback only, so
  // that a link to the demo cannot send its session tokens elsewhere.
  function apiBase() {
    var base = new URLSearchParams(location.search).get("base") || "";
    return /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?$/.test(base) ? base : "";
  }

  function buildForm(scope) {
    var fields = $("fields");
    scope.forEach(function (name) {
      var row = document.createElement("label");
      row.className = "field";
      var span = document.createElement("span");
      span.textContent = LABELS[name];
      var input = document.createElement("input");
      input.readOnly = true;
      input.name = name;
      input.placeholder = "from your phone";
      row.appendChild(span);
      row.appendChild(input);
      fields.appendChild(row);
    });
    var ask = $("ask");
    if (!ask) return;
    Object.keys(LABELS).forEach(function (name) {
      var l = document.createElement("label");
      var c = document.createElement("input");
      c.type = "checkbox";
      c.name = "scope";
      c.value = name;
      c.checked = scope.indexOf(name) >= 0;
      l.appendChild(c);
      l.appendChild(document.createTextNode(" " + LABELS[name]));
      ask.appendChild(l);
    });
    var b = document.createElement("button");
    b.textContent = "Start again";
    ask.appendChild(b);
  }

  // The answer of the shop's backend, or an Error carrying its error code.
  function json(r) {
    return r.json().then(
      function (j) {
        if (!r.ok) throw new Error((j && j.error_description) || "HTTP " + r.status);
        return j;
      },
      function () {
        throw new Error("HTTP " + r.status);
      }
    );
  }

  function showResult(r) {
    var dl = $("shared");
    dl.textContent = "";
    var data = r.user_data || {};
    (r.scope || "").split(" ").filter(Boolean).forEach(function (name) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = LABELS[name] || name;
      dd.textContent = format(data[name]);
      dd.setAttribute("data-scope", name);
      dl.appendChild(dt);
      dl.appendChild(dd);
      var input = document.querySelector('#fields input[name="' + name + '"]');
      if (input) input.value = format(data[name]);
    });
    $("sub").textContent = data.sub || "";
    $("result").hidden = false;
    $("outcome").className = "ok";
    $("outcome").textContent = "Thank you: the shop received what you chose to share.";
  }

  function start(sdk) {
    var want = requested();
    buildForm(want.scope);
    var widget = sdk.mount($("qrshare"), {
      baseUrl: apiBase(),
      onSessionIdResolver: function () {
        event("onSessionIdResolver");
        return fetch("/demo-api/session", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ scope: want.scope.join(" "), expires_in: want.expires_in })
        }).then(json);
      },
      handleVerify: function (sessionId) {
        event("handleVerify");
        return fetch("/demo-api/decision?session_id=" + encodeURIComponent(sessionId)).then(json);
      },
      onStatus: function (status) {
        event("onStatus: " + status);
        var open = $("open-phone");
        if (open) open.parentNode.hidden = status !== "initialized";
      },
      onSuccess: function (result) {
        event("onSuccess");
        showResult(result);
      },
      onError: function (e) {
        event("onError: " + e.reason);
        $("outcome").className = "error";
        $("outcome").textContent =
          e.reason === "declined" ? "You chose not to share your details. You can type them in instead."
          : "No details were shared (" + e.reason + ").";
      }
    });
    window.demoWidget = widget;
    var open = $("open-phone");
    if (open)
      open.addEventListener("click", function () {
        if (widget.url) window.open(widget.url, "_blank", "noopener");
      });
    return widget;
  }

  window.DemoShop = { start: start, event: event };
  var me = document.currentScript;
  if (!me || me.getAttribute("data-autostart") !== "no") start(window.QrShare);
})();
