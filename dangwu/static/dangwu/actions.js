/* The pages' small behaviours, without inline handlers (the Content-Security-Policy allows no
   onclick=, no javascript: URL and no eval; decision 0024). Each is named by a data attribute:

   data-dw-submit-on-change   a select that sends its form when changed (the language switch)
   data-dw-print              a button that prints the page
   data-dw-back               a button that goes back one page (the error pages)
   data-dw-tree-toggle        ▸/▾ of the organization tree: htmx loads the children on the first
                              click; a click on an open node closes it without a request
   data-dw-remove-on-success  an htmx button that goes away once its request succeeded
   data-dw-param="q"          an htmx input that sends its value under this name */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-dw-submit-on-change]") && el.form) el.form.submit();
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-dw-print], [data-dw-back]");
    if (!el) return;
    event.preventDefault();
    if (el.hasAttribute("data-dw-print")) window.print();
    else window.history.back();
  });

  // Capturing, so that it runs before htmx's own listener on the button: closing must not fetch.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-dw-tree-toggle]");
    if (!toggle) return;
    if (toggle.getAttribute("aria-expanded") === "true") {
      toggle.parentNode.querySelector(".dw-children").innerHTML = "";
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = "\u25b8";
      event.stopPropagation();
      event.preventDefault();
      return;
    }
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "\u25be";
  }, true);

  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail && event.detail.elt;
    if (el && event.detail.successful && el.hasAttribute("data-dw-remove-on-success")) el.remove();
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var el = event.detail && event.detail.elt, name = el && el.getAttribute("data-dw-param");
    if (name) event.detail.parameters[name] = el.value;
  });
})();
