// demo/phone/phone.js - the demo phone app: what the organisation's mobile app does with a
// scanned qrshare url ({public_url}/authorize/{session_token}).
//   1. sign the user in (here: the demo identity provider, /demo-idp/token) -> a user token
//   2. GET  /auth/v2/session/{session_token}/information/  (Bearer user token): who asks for
//      what; each scope with its fields and whether the user token backs it
//   3. POST /auth/v2/session/{session_token}/update/       confirmed + user_data, or declined
// The data shared comes from a fixture (fixture.json), Didit's value shapes: where the user
// has several values (emails, phones, addresses) the fixture holds an array of them and the
// user picks one; exactly one value per scope is sent. The app never sends is_verified inside
// a value: qrshare writes it from what the identity provider signed.
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

  // Which signed claims of the user token vouch for a value, for the hint next to each
  // choice (qrshare decides; the app only shows what it expects).
  var SIGNED = {
    email: function (c, v) {
      return c.email_verified === true && c.email === v.email;
    },
    phone: function (c, v) {
      return c.phone_number_verified === true && c.phone_number === v.phone_number;
    },
    address: function (c, v) {
      var a = c.address;
      return !!a && typeof a === "object" && Object.keys(v).every(function (k) {
        return k === "is_primary" || k === "is_verified" || a[k] === v[k];
      });
    }
  };

  var match = /^\/authorize\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  var sessionToken = match ? match[1] : null;
  var fixture = null;
  var info = null;

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Shows one screen, moves the focus to it (its first field, or its heading) and tells a
  // screen reader what it is: a screen that replaces another must not go unnoticed.
  function show(id, say) {
    ["signin", "consent", "done", "problem", "loading"].forEach(function (s) {
      $(s).hidden = s !== id;
    });
    var screen = $(id);
    var target = screen.querySelector("[data-focus]") || screen.querySelector("h1");
    if (target) {
      if (!target.hasAttribute("tabindex") && !/^(INPUT|BUTTON|SELECT|TEXTAREA|A)$/.test(target.tagName))
        target.setAttribute("tabindex", "-1");
      target.focus();
    }
    announce(say || (screen.querySelector("h1") || screen).textContent);
  }

  // The live region: emptied first, so that the same words said twice are heard twice.
  function announce(text) {
    var live = $("announce");
    live.textContent = "";
    setTimeout(function () {
      live.textContent = text;
    }, 50);
  }

  function problem(text) {
    $("problem-text").textContent = text;
    show("problem", "Cannot open this request. " + text);
  }

  // A value as the user reads it.
  function format(name, v) {
    if (v === true) return "yes";
    if (v === false) return "no";
    if (!v || typeof v !== "object") return String(v);
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
        return v.document_type + " " + v.document_number + ", " + v.issuing_country + ", valid until " + v.expiration_date;
      case "bank_account":
        return v.iban + " (" + v.account_holder + ")";
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
        return format(k, v[k]);
      })
      .join(", ");
  }

  // The fixture's candidates for a scope: several for email, phone, address; else one.
  function candidates(name) {
    if (!fixture.hasOwnProperty(name)) return [];
    return Array.isArray(fixture[name]) ? fixture[name] : [fixture[name]];
  }

  // What is sent for a value: everything but is_verified, which is qrshare's to write.
  function outgoing(v) {
    if (!v || typeof v !== "object") return v;
    var out = {};
    Object.keys(v).forEach(function (k) {
      if (k !== "is_verified") out[k] = v[k];
    });
    return out;
  }

  // The claims of the user's own token (display only: qrshare verifies the signature).
  function tokenClaims(token) {
    try {
      var b64 = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var bin = atob(b64 + "===".slice((b64.length + 3) % 4));
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return JSON.parse(new TextDecoder().decode(bytes)) || {};
    } catch (e) {
      return {};
    }
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
    // A refused answer (a value qrshare cannot take, or cannot vouch for) says why.
    var text =
      MESSAGES[code] ||
      (code === "invalid_request" && res.body.error_description
        ? "The answer was refused: " + res.body.error_description + "."
        : "Something went wrong. Please try again.");
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
    var claims = tokenClaims(user.token);
    var ul = $("scopes");
    ul.textContent = "";
    (info.scopes || []).forEach(function (s) {
      ul.appendChild(scopeItem(s, claims));
    });
    $("consent-error").textContent = "";
    updateButtons();
    var n = (info.scopes || []).length;
    show("consent", (app.name || "An application") + " asks for " + n + (n === 1 ? " item" : " items") +
      ". Choose what to share, then share or decline.");
  }

  // One requested scope: a checkbox, its label and description, whether the identity
  // provider vouches for it, the value (or a choice of values), and its fields.
  function scopeItem(s, claims) {
    var li = el("li");
    li.setAttribute("data-scope", s.name);
    var values = candidates(s.name);
    var label = el("label", "head");
    var box = el("input");
    box.type = "checkbox";
    box.name = "scope";
    box.value = s.name;
    box.checked = values.length > 0;
    box.disabled = values.length === 0;
    box.addEventListener("change", updateButtons);
    var text = el("span", "text");
    var title = el("span", "title");
    title.appendChild(el("strong", "", LABELS[s.name] || s.name));
    if (s.backed_by_token) {
      var b = el("span", "badge backed", "\u2713 verified by Demo Org");
      b.title = "Your sign-in carries this, signed by Demo Org: qrshare marks the value verified when it matches.";
      title.appendChild(b);
    } else if (s.verified) {
      var u = el("span", "badge unbacked", "not verified");
      u.title = "Your sign-in does not vouch for this: it is shared as not verified.";
      title.appendChild(u);
    }
    text.appendChild(title);
    text.appendChild(el("span", "desc", s.description || ""));
    if (values.length === 1) text.appendChild(el("span", "value", format(s.name, values[0])));
    else if (values.length === 0) text.appendChild(el("span", "value", "(no sample data)"));
    label.appendChild(box);
    label.appendChild(text);
    li.appendChild(label);
    if (values.length > 1) li.appendChild(choices(s, values, claims));
    if (Array.isArray(s.fields) && s.fields.length) li.appendChild(fieldList(s.fields));
    return li;
  }

  // Several values (emails, phones, addresses): the user shares exactly one. The primary
  // one is chosen at first.
  function choices(s, values, claims) {
    var box = el("div", "choices");
    box.setAttribute("role", "radiogroup");
    box.setAttribute("aria-label", "Which " + (LABELS[s.name] || s.name).toLowerCase() + " to share");
    var first = values.findIndex(function (v) {
      return v && v.is_primary === true;
    });
    values.forEach(function (v, i) {
      var label = el("label", "choice");
      var radio = el("input");
      radio.type = "radio";
      radio.name = "choice-" + s.name;
      radio.value = String(i);
      radio.checked = i === Math.max(first, 0);
      var text = el("span", "ctext");
      text.appendChild(el("span", "value", format(s.name, v)));
      if (v && v.is_primary === true) text.appendChild(el("span", "tag", "primary"));
      var vouched = s.backed_by_token && SIGNED[s.name] && SIGNED[s.name](claims, v);
      if (SIGNED[s.name])
        text.appendChild(el("span", vouched ? "tag backed" : "tag unbacked", vouched ? "\u2713 verified" : "not verified"));
      label.appendChild(radio);
      label.appendChild(text);
      box.appendChild(label);
    });
    return box;
  }

  // The scope's fields, as information describes them.
  function fieldList(fields) {
    var d = el("details", "fields");
    d.appendChild(el("summary", "", fields.length + (fields.length === 1 ? " field" : " fields")));
    var ul = el("ul");
    fields.forEach(function (f) {
      var li = el("li");
      li.setAttribute("data-field", f.name);
      li.appendChild(el("code", "", f.name));
      var about = f.description || "";
      if (f.required === false) about += (about ? " " : "") + "(optional)";
      li.appendChild(el("span", "about", about));
      ul.appendChild(li);
    });
    d.appendChild(ul);
    return d;
  }

  function checked() {
    return Array.prototype.slice
      .call(document.querySelectorAll('#scopes input[name="scope"]:checked'))
      .map(function (b) {
        return b.value;
      });
  }

  // The value shared for a scope: the chosen one when there are several.
  function chosen(name) {
    var values = candidates(name);
    if (values.length < 2) return values[0];
    var radio = document.querySelector('#scopes input[name="choice-' + name + '"]:checked');
    return values[radio ? Number(radio.value) : 0];
  }

  function updateButtons() {
    $("confirm").disabled = checked().length === 0;
    Array.prototype.forEach.call(document.querySelectorAll("#scopes li[data-scope]"), function (li) {
      var box = li.querySelector('input[name="scope"]');
      Array.prototype.forEach.call(li.querySelectorAll(".choices input"), function (r) {
        r.disabled = !box.checked;
      });
    });
  }

  function answer(user, confirmed) {
    var body = { status: confirmed ? "confirmed" : "declined" };
    if (confirmed) {
      body.user_data = {};
      checked().forEach(function (name) {
        body.user_data[name] = outgoing(chosen(name));
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
    show("done", $("done-title").textContent + ". " + $("done-text").textContent);
  }

  function fail() {
    problem("Cannot reach the server. Check your connection and try again.");
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
        // The identity provider's own words, or the browser's when it could not be reached.
        $("signin-error").textContent =
          e instanceof TypeError ? "Cannot reach the sign-in service. Check your connection and try again."
          : e instanceof SyntaxError ? "Sign-in failed. Please try again."
          : e.message;
        show("signin"); // the error line is an alert: it speaks for itself
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
      show("signin", "Sign in to answer the request.");
    })
    .catch(fail);
})();
