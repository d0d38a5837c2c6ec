// demo/phone/phone.js - the demo phone app: what the organisation's mobile app does with a
// scanned qrshare url ({public_url}/authorize/{session_token}).
//   1. sign the user in (here: the demo identity provider, /demo-idp/token) -> a user token
//   2. GET  /auth/v2/session/{session_token}/information/  (Bearer user token): who asks for what
//   3. POST /auth/v2/session/{session_token}/update/       confirmed + user_data, or declined
// The data shared comes from a fixture (fixture.json), one sample value per scope.
(function () {
  "use strict";

  var LABELS = {
    user_id: "User id", picture: "Profile picture", names: "Name", email: "Email", phone: "Phone number",
    gender: "Gender", document_detail: "Identity document", birthdate: "Date of birth",
    address: "Postal address", bank_account: "Bank account", preferences: "Preferences",
    is_verified: "Identity verified", is_over_18: "Over 18", is_over_21: "Over 21",
    instagram_account: "Instagram account", x_account: "X account", tiktok_account: "TikTok account"
  };
  var USER_KEY = "qrshare-demo-user";

  var match = /^\/authorize\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  var sessionToken = match ? match[1] : null;
  var fixture = null;
  var info = null;

  function $(id) {
    return document.getElementById(id);
  }

  function show(id) {
    ["signin", "consent", "done", "problem", "loading"].forEach(function (s) {
      $(s).hidden = s !== id;
    });
  }

  function problem(text) {
    $("problem-text").textContent = text;
    show("problem");
  }

  function format(v) {
    if (v === true) return "yes";
    if (v === false) return "no";
    if (v && typeof v === "object") {
      if (typeof v.first_name === "string") return [v.first_name, v.last_name].filter(Boolean).join(" ");
      return Object.keys(v)
        .map(function (k) {
          return format(v[k]);
        })
        .join(", ");
    }
    return String(v);
  }

  // --- the user token --------------------------------------------------------------------

  function storedUser() {
    try {
      var u = JSON.parse(sessionStorage.getItem(USER_KEY) || "null");
      if (u && u.token && u.exp > Date.now() + 30000) return u;
    } catch (e) {
      /* none */
    }
    return null;
  }

  function signIn(name) {
    $("signin-error").textContent = "";
    $("signin-button").disabled = true;
    return fetch("/demo-idp/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "username=" + encodeURIComponent(name)
    })
      .then(function (r) {
        return r.json().then(function (j) {
          if (r.status === 404) throw new Error("The demo sign-in is turned off on this server.");
          if (!r.ok) throw new Error(j.error_description || "Sign-in failed.");
          return j;
        });
      })
      .then(function (j) {
        var u = { token: j.access_token, sub: j.sub, name: name, exp: Date.now() + j.expires_in * 1000 };
        sessionStorage.setItem(USER_KEY, JSON.stringify(u));
        return u;
      })
      .finally(function () {
        $("signin-button").disabled = false;
      });
  }

  // --- qrshare ------------------------------------------------------------------------------

  var MESSAGES = {
    not_found: "This code is no longer valid (it may have been renewed). Scan the code on the website again.",
    expired: "This request has expired. Ask the website for a new code.",
    already_claimed: "Another account has already opened this request.",
    invalid_state: "This request was cancelled or has already been answered.",
    invalid_token: "Your sign-in has expired. Sign in again."
  };

  // A qrshare call with the user token; resolves {status, body}.
  function api(method, suffix, user, body) {
    var init = { method: method, headers: { Authorization: "Bearer " + user.token }, cache: "no-store" };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch("/auth/v2/session/" + sessionToken + suffix, init).then(function (r) {
      return r.json().then(
        function (j) {
          return { status: r.status, body: j };
        },
        function () {
          return { status: r.status, body: {} };
        }
      );
    });
  }

  function apiError(res, where) {
    var code = res.body && res.body.error;
    if (code === "invalid_token") {
      sessionStorage.removeItem(USER_KEY);
      $("signin-error").textContent = MESSAGES.invalid_token;
      show("signin");
      return;
    }
    var text = MESSAGES[code] || "Something went wrong (" + (code || "HTTP " + res.status) + ").";
    if (where === "consent" && code !== "expired" && code !== "not_found") $("consent-error").textContent = text;
    else problem(text);
  }

  function open(user) {
    show("loading");
    return api("GET", "/information/", user).then(function (res) {
      if (res.status !== 200) return apiError(res);
      info = res.body;
      if (info.status !== "retrieved") {
        return finished(info.status === "confirmed" ? "confirmed" : info.status === "declined" ? "declined" : null);
      }
      consent(user);
    });
  }

  function consent(user) {
    var app = info.application || {};
    $("app-name").textContent = app.name || "An application";
    $("app-domain").textContent = app.domain || "";
    $("app-avatar").textContent = (app.name || "?").charAt(0).toUpperCase();
    var links = $("app-links");
    links.textContent = "";
    [["privacy_policy_url", "Privacy policy"], ["terms_url", "Terms"]].forEach(function (l) {
      if (!app[l[0]] || !/^https?:\/\//.test(app[l[0]])) return;
      var a = document.createElement("a");
      a.href = app[l[0]];
      a.textContent = l[1];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      links.appendChild(a);
    });
    $("who").textContent = user.name;
    var exp = new Date(info.expires_at);
    $("expires").textContent = isNaN(exp) ? "" : "answer before " + exp.toLocaleTimeString();
    var ul = $("scopes");
    ul.textContent = "";
    (info.scopes || []).forEach(function (s) {
      var li = document.createElement("li");
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "scope";
      box.value = s.name;
      box.checked = fixture.hasOwnProperty(s.name);
      box.disabled = !fixture.hasOwnProperty(s.name);
      box.addEventListener("change", updateButtons);
      var text = document.createElement("span");
      text.className = "text";
      var title = document.createElement("span");
      var strong = document.createElement("strong");
      strong.textContent = LABELS[s.name] || s.name;
      title.appendChild(strong);
      if (s.verified) {
        var v = document.createElement("span");
        v.className = "verified";
        v.textContent = "verified";
        title.appendChild(v);
      }
      text.appendChild(title);
      var desc = document.createElement("span");
      desc.className = "desc";
      desc.textContent = s.description || "";
      var val = document.createElement("span");
      val.className = "value";
      val.textContent = fixture.hasOwnProperty(s.name) ? format(fixture[s.name]) : "(no sample data)";
      text.appendChild(desc);
      text.appendChild(val);
      label.appendChild(box);
      label.appendChild(text);
      li.appendChild(label);
      ul.appendChild(li);
    });
    $("consent-error").textContent = "";
    updateButtons();
    show("consent");
  }

  function checked() {
    return Array.prototype.slice
      .call(document.querySelectorAll('#scopes input[name="scope"]:checked'))
      .map(function (b) {
        return b.value;
      });
  }

  function updateButtons() {
    $("confirm").disabled = checked().length === 0;
  }

  function answer(user, confirmed) {
    var body = { status: confirmed ? "confirmed" : "declined" };
    if (confirmed) {
      body.user_data = {};
      checked().forEach(function (name) {
        body.user_data[name] = fixture[name];
      });
    }
    $("confirm").disabled = $("decline").disabled = true;
    return api("POST", "/update/", user, body)
      .then(function (res) {
        if (res.status !== 200) return apiError(res, "consent");
        finished(res.body.status, confirmed ? Object.keys(body.user_data).length : 0);
      })
      .finally(function () {
        $("decline").disabled = false;
        updateButtons();
      });
  }

  function finished(status, count) {
    var app = (info && info.application && info.application.name) || "the website";
    if (status === "confirmed") {
      $("done-mark").textContent = "\u2713";
      $("done-mark").className = "mark ok";
      $("done-title").textContent = "Shared with " + app;
      $("done-text").textContent =
        (count ? count + (count === 1 ? " item was" : " items were") + " shared. " : "") +
        "You can go back to the website.";
    } else if (status === "declined") {
      $("done-mark").textContent = "\u2715";
      $("done-mark").className = "mark no";
      $("done-title").textContent = "Declined";
      $("done-text").textContent = "Nothing was shared with " + app + ".";
    } else {
      return problem(MESSAGES.invalid_state);
    }
    show("done");
  }

  function fail(e) {
    problem("Cannot reach the server (" + (e && e.message) + ").");
  }

  // --- start --------------------------------------------------------------------------------

  if (!sessionToken) {
    problem("This page opens from a qrshare code: scan the code on the website.");
    return;
  }
  var user = null;
  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    signIn($("username").value.trim().toLowerCase())
      .then(function (u) {
        user = u;
        return open(u);
      })
      .catch(function (e) {
        $("signin-error").textContent = e.message;
        show("signin");
      });
  });
  $("confirm").addEventListener("click", function () {
    answer(user, true).catch(fail);
  });
  $("decline").addEventListener("click", function () {
    answer(user, false).catch(fail);
  });
  fetch("/demo-phone/fixture.json")
    .then(function (r) {
      if (!r.ok) throw new Error("fixture: HTTP " + r.status);
      return r.json();
    })
    .then(function (f) {
      fixture = f;
      user = storedUser();
      if (user) return open(user);
      show("signin");
      $("username").focus();
    })
    .catch(fail);
})();
