/* Small page behaviours shared by every page; no inline scripts (the CSP forbids them). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.classList.contains("js-busy")) {
      var note = form.querySelector(".busy-note");
      if (note) note.hidden = false;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest(".js-print")) window.print();
  });
})();
