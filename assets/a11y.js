// Keyboard use of every page (issue 14).
//
// Keyboard access to tables that scroll sideways (WCAG 2.1.1, axe "scrollable-region-focusable").
// Radix's table keeps its rows in a scroll area whose viewport takes no focus, so a table wider
// than a phone (staff lists at 390 px) could not be scrolled without a mouse when its rows hold
// no link. The viewport becomes a Tab stop only while it really scrolls; Radix draws its ring.
// A static file: the CSP's script-src 'self' allows it, no inline script.
(function () {
  "use strict";
  var MARK = "data-scroll-focus";

  function update() {
    var views = document.querySelectorAll(".rt-ScrollAreaViewport");
    for (var i = 0; i < views.length; i++) {
      var view = views[i];
      var scrolls = view.scrollWidth > view.clientWidth + 1 || view.scrollHeight > view.clientHeight + 1;
      if (scrolls && !view.hasAttribute("tabindex")) {
        view.setAttribute("tabindex", "0");
        view.setAttribute(MARK, "1");
      } else if (!scrolls && view.hasAttribute(MARK)) {
        view.removeAttribute("tabindex");
        view.removeAttribute(MARK);
      }
    }
  }

  var scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(function () {
      scheduled = false;
      update();
    }, 50);
  }

  // The skip link ("Naar de inhoud"): Reflex renders it as a router link whose hash navigation
  // moves no focus, so take the click first (capture) and focus the main content itself; the
  // next Tab then starts there, past the header and menu.
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a.skip-link") : null;
    if (!link) return;
    // the router writes the href as "/#inhoud"
    var target = document.getElementById((link.getAttribute("href") || "").split("#")[1] || "");
    if (!target) return;
    event.preventDefault();
    event.stopPropagation();
    target.focus();
    target.scrollIntoView({ block: "start" });
  }, true);

  function start() {
    update();
    new MutationObserver(schedule).observe(document.body, { subtree: true, childList: true });
    window.addEventListener("resize", schedule);
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
