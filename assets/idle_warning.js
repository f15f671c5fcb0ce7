// The warning before idle expiry (portal_app/accounts/components.py: idle_warning).
// Counts the office's idle time from the user's last click, key or touch, opens the
// dialog WARNING_SECONDS before the end, and signs the tab out (a real form POST,
// so the server ends the session too) when nobody answers. Activity is reported to
// the server at most once a minute through the hidden #idle-ping button, so the
// server's idle clock (accounts/services/sessions.py) follows the same activity.
(function () {
  "use strict";
  if (window.__kpIdleWarning) return;
  window.__kpIdleWarning = true;

  var WARNING_SECONDS = 120;
  var PING_EVERY_MS = 60000;
  var lastActivity = Date.now();
  var lastPing = Date.now();
  var returnFocus = null;
  var signingOut = false;

  var style = document.createElement("style");
  style.textContent =
    ".idle-warning{display:none}" +
    ".idle-warning[data-open='1']{display:flex;position:fixed;inset:0;z-index:1000;" +
    "align-items:center;justify-content:center;background:rgba(0,0,0,.45);padding:1rem}" +
    ".idle-warning-box{background:var(--color-panel-solid,#fff);color:var(--gray-12,#111);" +
    "border-radius:8px;padding:1.5rem;max-width:28rem;width:100%;box-shadow:0 10px 30px rgba(0,0,0,.3)}" +
    "#idle-warning-title{margin-bottom:.5rem}#idle-ping{display:none}";
  document.head.appendChild(style);

  function root() { return document.getElementById("idle-warning"); }
  function isOpen(el) { return !!el && el.getAttribute("data-open") === "1"; }

  function open(el) {
    returnFocus = document.activeElement;
    el.setAttribute("data-open", "1");
    var stay = document.getElementById("idle-stay");
    if (stay) stay.focus();
  }

  function close(el) {
    el.removeAttribute("data-open");
    if (returnFocus && returnFocus.focus && document.contains(returnFocus)) returnFocus.focus();
    returnFocus = null;
  }

  function ping() {
    lastPing = Date.now();
    var button = document.getElementById("idle-ping");
    if (button) button.click();
  }

  function stay() {
    var el = root();
    lastActivity = Date.now();
    if (el && isOpen(el)) close(el);
  }

  function activity(event) {
    var el = root();
    if (!el) return;
    if (isOpen(el)) {
      // While the dialog is open only its own buttons (or Escape) count.
      if (event.type === "keydown" && event.key === "Escape") { event.preventDefault(); ping(); stay(); }
      else if (event.target && event.target.closest && event.target.closest("#idle-stay")) stay();
      return;
    }
    if (event.target && event.target.id === "idle-ping") return;
    lastActivity = Date.now();
    if (Date.now() - lastPing >= PING_EVERY_MS) ping();
  }

  ["click", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, activity, { capture: true, passive: false });
  });

  function signOut() {
    if (signingOut) return;
    var form = document.getElementById("idle-logout-form");
    if (!form) return;
    signingOut = true;
    var field = document.getElementById("idle-expired-field");
    if (field) field.value = "1";
    form.submit();
  }

  setInterval(function () {
    var el = root();
    var idle = el ? parseInt(el.getAttribute("data-idle-seconds") || "0", 10) : 0;
    if (!el || !idle) { lastActivity = Date.now(); return; }  // not signed in, or not loaded yet
    var lead = Math.min(WARNING_SECONDS, Math.floor(idle / 2));
    var quiet = (Date.now() - lastActivity) / 1000;
    if (quiet >= idle) signOut();
    else if (quiet >= idle - lead && !isOpen(el)) open(el);
  }, 1000);
})();
