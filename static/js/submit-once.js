/* A POST form is sent once: a second click or Enter while the first submission is on its
 * way is ignored, so a double click does not send a position, an acceptance or minutes
 * twice. The server does not rely on this (casting the same position again is a no-op);
 * it spares the second request and the aborted first page load. Forms driven by htmx are
 * left to htmx. The lock lifts after a few seconds, for a POST that answers with a
 * download and so never leaves the page, and when the page is shown again from the
 * back-forward cache. Forms work without this script.
 */
(function () {
  "use strict";
  var RELEASE_MS = 8000;

  function release(form) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-hx-post")) { return; }
    if (form.dataset.submitting) { event.preventDefault(); return; }
    form.dataset.submitting = "1";
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () { release(form); }, RELEASE_MS);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submitting]"), release);
  });
})();
