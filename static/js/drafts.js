/* Keep what was typed in a POST form if the session expired before it was saved.
 *
 * Text typed into a form is kept in this tab's sessionStorage (never sent anywhere), keyed
 * by the form's action. When the form's page shows a success message the draft is dropped;
 * when the sign-in page appears instead, it says the text is kept; back on the form, the
 * text is put back with a notice. Forms work without this script.
 */
(function () {
  "use strict";
  var PREFIX = "isecg-draft:";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" &&
        (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && /^(text|email|url|search)$/.test(el.type)));
    });
  }
  function keyFor(form) { return PREFIX + (form.getAttribute("action") || location.pathname); }
  function drafts() {
    var out = [];
    for (var i = 0; i < store.length; i++) {
      var k = store.key(i);
      if (k && k.indexOf(PREFIX) === 0) { out.push(k); }
    }
    return out;
  }
  function notice(text) {
    var main = document.getElementById("content");
    if (!main) { return; }
    var p = document.createElement("p");
    p.className = "draft-notice";
    p.setAttribute("role", "status");
    p.textContent = text;
    main.insertBefore(p, main.firstChild);
  }

  var succeeded = document.querySelector(".messages li.success");
  if (succeeded) {
    drafts().forEach(function (k) {
      try { if (JSON.parse(store.getItem(k)).submitted) { store.removeItem(k); } } catch (e) { store.removeItem(k); }
    });
  }
  if (document.querySelector("form input[name=username]") && /\/accounts\/login\//.test(location.pathname)) {
    var pending = drafts().some(function (k) {
      try { return JSON.parse(store.getItem(k)).submitted; } catch (e) { return false; }
    });
    if (pending) {
      notice("You were signed out before your last form was saved. What you typed is kept in this tab: sign in, go back to the form, and it will be filled in again.");
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[method=post], form[method=POST]"), function (form) {
    if (form.querySelector("input[type=password]")) { return; }  // never keep sign-in forms
    var list = fields(form);
    if (!list.length) { return; }
    var key = keyFor(form);
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved && saved.submitted && saved.values && !succeeded) {
      var restored = false;
      list.forEach(function (el) {
        if (!el.value && saved.values[el.name]) { el.value = saved.values[el.name]; restored = true; }
      });
      if (restored) { notice("What you typed before your session expired has been put back. It is not saved yet: submit the form again."); }
    }
    function save(submitted) {
      var values = {};
      list.forEach(function (el) { if (el.value) { values[el.name] = el.value; } });
      store.setItem(key, JSON.stringify({ values: values, submitted: submitted }));
    }
    form.addEventListener("input", function () { save(false); });
    form.addEventListener("submit", function () { save(true); });
  });
})();
