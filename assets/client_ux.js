// The client's experience in the browser alone (issue 14). A static file: the
// CSP's script-src 'self' allows it, and nothing here waits for the server.
//
// - Live character counter: a field with data-counter="<id>" updates the number
//   in #<id> .counter-count on every keystroke and sets data-full="1" on its
//   .char-counter box at data-max-chars characters ("Maximum bereikt" is shown by CSS), and
//   keeps no more than that. Characters are code points after NFC, as the server counts them,
//   not UTF-16 units: 4,000 emoji fit. The number is also rendered by React from the state.
// - <html lang>: follows the lang attribute of the page frame (the chosen language).
// - Announcements: the text of any element with data-announce (message sent,
//   saved, upload done) is copied into the one polite live region
//   #live-announcer, which is on the page from the start, so screen readers read it.
// - Login: after a refused sign-in the e-mail address typed stays (this tab's
//   sessionStorage, never the URL) and the password field gets the focus.
// - Unsaved answers: while an element [data-guard-unsaved] says data-unsaved="1"
//   or a field inside it changed, leaving the page asks first (closing the tab,
//   reloading, and links inside the portal alike).
// - Emptying after a save: a form with data-clear-on-save="<field ids>" empties those fields
//   when its data-saved count goes up, but only a field that still holds the text it had at
//   submit; what was typed meanwhile stays (core/components/clear_on_save.py).
// - Focus after a change: an element with data-focus-on-show (and tabindex="-1") that
//   appears while focus is lost to <body> takes the focus, within 2 s of appearing
//   (the "sent" notice, when "Versturen" closed the composer with its focused button).
(function () {
  var LOGIN_KEY = "portal-login-email";

  // Characters as the server counts them: code points after NFC (an emoji is one, though
  // JavaScript's .length and the field's maxLength count it as two UTF-16 units).
  function chars(value) {
    return Array.from(value.normalize ? value.normalize("NFC") : value);
  }

  // Past the limit (typed or pasted): keep the first `max` characters. The native setter is
  // used so React still sees the change (its own onChange runs after this capture listener).
  function trimToLimit(field, max) {
    var all = chars(field.value);
    if (all.length <= max) return all.length;
    var proto = Object.getPrototypeOf(field);
    var setter = Object.getOwnPropertyDescriptor(proto, "value").set;
    setter.call(field, all.slice(0, max).join(""));
    return max;
  }

  function updateCounter(field) {
    var text = document.getElementById(field.getAttribute("data-counter"));
    if (!text) return;
    var counter = text.closest(".char-counter") || text;
    var max = parseInt(field.getAttribute("data-max-chars") || field.getAttribute("maxlength") || "0", 10);
    var length = max > 0 ? trimToLimit(field, max) : chars(field.value).length;
    var count = counter.querySelector(".counter-count");
    if (count) {
      // Change the text node React rendered, so React's own later updates still land.
      var shown = String(length);
      if (count.firstChild && count.firstChild.nodeType === 3) {
        if (count.firstChild.nodeValue !== shown) count.firstChild.nodeValue = shown;
      } else if (count.textContent !== shown) {
        count.textContent = shown;
      }
    }
    var full = max > 0 && length >= max ? "1" : "0";
    if (full === "1" && counter.getAttribute("data-full") !== "1") {
      var notice = counter.querySelector(".counter-full");
      if (notice) say(notice.textContent);
    }
    if (counter.getAttribute("data-full") !== full) counter.setAttribute("data-full", full);
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || !target.getAttribute) return;
    if (target.getAttribute("data-counter")) updateCounter(target);
    var guard = target.closest ? target.closest("[data-guard-unsaved]") : null;
    if (guard) guard.setAttribute("data-edited", "1");
  }, true);

  document.addEventListener("change", function (event) {
    var target = event.target;
    var guard = target && target.closest ? target.closest("[data-guard-unsaved]") : null;
    if (guard) guard.setAttribute("data-edited", "1");
  }, true);

  // ---- unsaved answers ----
  function unsavedGuard() {
    var guard = document.querySelector("[data-guard-unsaved]");
    if (!guard) return null;
    var pending = guard.getAttribute("data-unsaved") === "1" || guard.getAttribute("data-edited") === "1";
    return pending ? guard : null;
  }

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) return;
    // A button that saves (Volgende, Afronden): from here the server's flag tells.
    var saver = target.closest("[data-saves-answers]");
    if (saver) {
      var guard = saver.closest("[data-guard-unsaved]") || document.querySelector("[data-guard-unsaved]");
      if (guard) guard.removeAttribute("data-edited");
      return;
    }
    var link = target.closest("a[href]");
    if (!link || link.hasAttribute("download") || link.target === "_blank") return;
    if (link.getAttribute("href").charAt(0) === "#") return;
    var pending = unsavedGuard();
    if (!pending) return;
    if (window.confirm(pending.getAttribute("data-unsaved-message") || "")) {
      pending.removeAttribute("data-edited");
      pending.setAttribute("data-unsaved", "0");
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  // Registered before Reflex's own beforeunload listener (which drops the websocket, and a
  // reconnect reloads the page's state): when the user may still choose to stay, that one must not run.
  window.addEventListener("beforeunload", function (event) {
    if (!unsavedGuard()) return;
    event.stopImmediatePropagation();
    event.preventDefault();
    event.returnValue = "";
  });

  // ---- login ----
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var email = form && form.querySelector ? form.querySelector("#email") : null;
    if (email && form.querySelector("#password")) {
      try { sessionStorage.setItem(LOGIN_KEY, email.value); } catch (e) { /* storage off: nothing kept */ }
    }
  }, true);

  // ---- emptying fields after a save ----
  var sentText = new WeakMap();   // form -> {field id: text at submit}
  var savedSeen = new WeakMap();  // form -> the data-saved count already handled

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.getAttribute || !form.getAttribute("data-clear-on-save")) return;
    var sent = {};
    var ids = form.getAttribute("data-clear-on-save").split(" ");
    for (var i = 0; i < ids.length; i++) {
      var field = document.getElementById(ids[i]);
      if (field) sent[ids[i]] = field.value;
    }
    sentText.set(form, sent);
    if (!savedSeen.has(form)) savedSeen.set(form, form.getAttribute("data-saved"));
  }, true);

  function clearSaved() {
    var forms = document.querySelectorAll("form[data-clear-on-save]");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      var saved = form.getAttribute("data-saved");
      if (!savedSeen.has(form)) { savedSeen.set(form, saved); continue; }
      if (savedSeen.get(form) === saved) continue;
      savedSeen.set(form, saved);
      var sent = sentText.get(form);
      if (!sent) continue;
      sentText.delete(form);
      for (var id in sent) {
        var field = document.getElementById(id);
        if (!field || field.value !== sent[id]) continue;
        field.value = "";
        if (field.getAttribute("data-counter")) updateCounter(field);
      }
    }
  }

  var loginDone = false;
  function restoreLogin() {
    if (loginDone) return;
    if (location.pathname.replace(/\/$/, "") !== "/login") {
      // signed in (or elsewhere): the kept address is not needed any more
      loginDone = true;
      try { sessionStorage.removeItem(LOGIN_KEY); } catch (e) { /* nothing kept */ }
      return;
    }
    var email = document.getElementById("email");
    var password = document.getElementById("password");
    if (!email || !password) return;
    loginDone = true;
    if (!/[?&]fout=/.test(location.search)) return;
    var kept = "";
    try { kept = sessionStorage.getItem(LOGIN_KEY) || ""; } catch (e) { kept = ""; }
    if (kept && !email.value) email.value = kept;
    if (email.value) password.focus();
    else email.focus();
  }

  // ---- language and announcements ----
  function syncLang() {
    var frame = document.querySelector("body [data-portal-frame][lang]");
    var lang = frame ? frame.getAttribute("lang") : "";
    if (lang && document.documentElement.lang !== lang) document.documentElement.lang = lang;
  }

  function say(text) {
    var region = document.getElementById("live-announcer");
    if (!region || !text) return;
    region.textContent = "";
    // a fresh text node in a tick, so the same notice twice is read twice
    setTimeout(function () { region.textContent = text; }, 50);
  }

  var announced = new WeakMap();
  function announce() {
    var region = document.getElementById("live-announcer");
    if (!region) return;
    var items = document.querySelectorAll("[data-announce]");
    for (var i = 0; i < items.length; i++) {
      var text = (items[i].textContent || "").trim();
      if (text && announced.get(items[i]) !== text) {
        announced.set(items[i], text);
        say(text);
      } else if (!text) {
        announced.delete(items[i]);
      }
    }
  }

  // ---- focus after a change ----
  var FOCUS_WINDOW_MS = 2000;
  var shownAt = new WeakMap();
  function focusShown() {
    var items = document.querySelectorAll("[data-focus-on-show]");
    if (!items.length) return;
    var now = Date.now();
    for (var i = 0; i < items.length; i++) {
      if (!shownAt.has(items[i])) shownAt.set(items[i], now);
    }
    var active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    for (var j = 0; j < items.length; j++) {
      var since = shownAt.get(items[j]);
      if (since !== null && now - since <= FOCUS_WINDOW_MS) {
        shownAt.set(items[j], null); // once
        items[j].focus();
        return;
      }
    }
  }

  var scheduled = false;
  function onChange() {
    // at once, in the observer's microtask: before anything else can read where focus is
    focusShown();
    clearSaved();
    if (scheduled) return;
    scheduled = true;
    setTimeout(function () {
      scheduled = false;
      syncLang();
      announce();
      // React may re-render a counter from a server value that is a keystroke behind: the field decides
      var fields = document.querySelectorAll("[data-counter]");
      for (var i = 0; i < fields.length; i++) updateCounter(fields[i]);
      restoreLogin();
    }, 0);
  }

  function start() {
    onChange();
    new MutationObserver(onChange).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["lang", "data-saved"],
    });
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
