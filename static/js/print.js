// "Print or save as PDF" buttons (no inline handlers: the Content-Security-Policy forbids them).
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    event.preventDefault();
    window.print();
  }
});
