// Live countdown to a decision's deadline; the server-rendered text is the no-JS fallback.
(function () {
  function render(el) {
    var ms = new Date(el.dataset.deadline).getTime() - Date.now();
    if (ms <= 0) { el.textContent = "(deadline passed; closing)"; return false; }
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), sec = s % 60;
    el.textContent = "(" + (d ? d + " d " : "") + h + " h " + m + " min " + (d ? "" : sec + " s ") + "left)";
    return true;
  }
  document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
    if (render(el)) { var t = setInterval(function () { if (!render(el)) clearInterval(t); }, 1000); }
  });
})();
