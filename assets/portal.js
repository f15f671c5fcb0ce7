// Live password rule above a new-password field: marks each part of the rule
// (the manual's 8 characters, 1 capital letter, 1 digit, or the office's
// stricter policy read from #rule-list's data attributes) as met while the
// user types. A static file (allowed by the CSP's script-src 'self'); the
// password never leaves the browser before the form is submitted.
(function () {
  function update(value) {
    var list = document.getElementById("rule-list");
    var minLength = parseInt((list && list.getAttribute("data-min-length")) || "8", 10) || 8;
    var checks = {
      "rule-length": value.length >= minLength,
      "rule-capital": /\p{Lu}/u.test(value),
      "rule-digit": /\p{Nd}/u.test(value),
      "rule-symbol": /[^\p{L}\p{N}\s]/u.test(value),
    };
    Object.keys(checks).forEach(function (id) {
      var item = document.getElementById(id);
      if (item) item.setAttribute("data-ok", checks[id] ? "true" : "false");
    });
  }
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "new-password") update(event.target.value);
  });
})();

// Buttons marked data-action="print" open the browser's print dialog
// (a static listener: the CSP blocks eval-based script calls).
document.addEventListener("click", function (event) {
  var target = event.target && event.target.closest ? event.target.closest("[data-action='print']") : null;
  if (target) window.print();
});
