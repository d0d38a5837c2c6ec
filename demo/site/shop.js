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

  // A value of user_data (Didit's shapes) as the shop shows it.
  function format(name, v) {
    if (v === true) return "yes";
    if (v === false) return "no";
    if (v === undefined || v === null) return "";
    if (typeof v !== "object") return String(v);
    switch (name) {
      case "names":
        return v.full_name || [v.first_name, v.family_name].filter(Boolean).join(" ");
      case "email":
        return v.email;
      case "phone":
        return v.phone_number;
      case "gender":
        return v.gender;
      case "birthdate":
        return v.birthdate;
      case "address":
        return v.formatted;
      case "document_detail":
        return v.document_type + " " + v.document_number + " (" + v.issuing_country + "), expires " + v.expiration_date;
      case "bank_account":
        return v.iban + ", " + v.account_holder + (v.bic ? ", " + v.bic : "");
      case "instagram_account":
      case "x_account":
      case "tiktok_account":
        return "@" + v.username;
    }
    return Object.keys(v)
      .filter(function (k) {
        return k !== "is_verified" && k !== "is_primary";
      })
      .map(function (k) {
        return k.replace(/_/g, " ") + ": " + format(k, v[k]);
      })
      .join(", ");
  }

  // Whether qrshare marked the value verified: the value's is_verified, which qrshare
  // writes from what the user's identity provider signed (undefined: not that kind of value).
  function verified(v) {
    return v && typeof v === "object" && typeof v.is_verified === "boolean" ? v.is_verified : undefined;
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
      var value = document.createElement("span");
      value.className = "value";
      value.textContent = format(name, data[name]);
      dd.appendChild(value);
      dd.setAttribute("data-scope", name);
      var v = verified(data[name]);
      if (v !== undefined) {
        dd.setAttribute("data-verified", String(v));
        var mark = document.createElement("span");
        mark.className = v ? "mark verified" : "mark unverified";
        mark.textContent = v ? "\u2713 verified" : "not verified";
        mark.title = v ? "Vouched for by the user's identity provider" : "As the user typed it: nobody vouches for it";
        dd.appendChild(mark);
      }
      dl.appendChild(dt);
      dl.appendChild(dd);
      var input = document.querySelector('#fields input[name="' + name + '"]');
      if (input) {
        input.value = format(name, data[name]);
        if (v !== undefined) input.title = v ? "verified" : "not verified";
      }
    });
    // What the shop's backend itself read from the decision, as a Didit integration does.
    var c = r.customer || {};
    var order = $("order");
    if (order) {
      order.textContent = c.full_name || c.email
        ? "Order for " + [c.full_name, c.email && "<" + c.email + ">"].filter(Boolean).join(" ") +
          (c.email ? (c.email_verified ? " (email verified)" : " (email not verified)") : "")
        : "";
      order.hidden = !order.textContent;
    }
    $("sub").textContent = data.sub || "";
    $("result").hidden = false;
    outcome("ok", "Thank you: the shop received what you chose to share.");
  }

  // What the shop says when nothing was shared, by the SDK's reason: in the user's words
  // (the widget itself offers the new code or the retry).
  var OUTCOMES = {
    declined: "You chose not to share your details. You can type them in instead.",
    expired: "The code expired before anything was shared.",
    cancelled: "The request was cancelled before anything was shared.",
    network: "The shop could not reach the sharing service, so nothing was received."
  };
  var OUTCOME_OTHER = "Your details could not be received.";

  function outcome(cls, text) {
    $("outcome").className = cls;
    $("outcome").textContent = text;
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
        // A fresh code: what was said about the previous one no longer holds.
        if (status === "initialized") outcome("", "");
        var open = $("open-phone");
        if (open) open.parentNode.hidden = status !== "initialized";
      },
      onSuccess: function (result) {
        event("onSuccess");
        showResult(result);
      },
      onError: function (e) {
        event("onError: " + e.reason);
        outcome("error", OUTCOMES[e.reason] || OUTCOME_OTHER);
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
