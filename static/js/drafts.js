/* Keep what was typed in a POST form if the session expired before it was saved.
 *
 * Every field filled in (text, choices, check boxes) is kept in this tab's sessionStorage
 * (never sent anywhere), keyed by the form's action. When the form's page shows a success
 * message the draft is dropped; when the sign-in page appears instead, it says the draft is
 * kept; back on the form, every field is put back as it was sent, the choices included
 * (a page that preselects a position on record must not win over the one chosen), with a
 * notice. Hidden fields are the page's own and are never kept. Forms work without this
 * script.
 */
(function () {
  "use strict";
  var PREFIX = "isecg-draft:";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }

  var TEXT_TYPES = /^(text|email|url|search|tel|number|date|datetime-local|time)$/;
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.disabled) { return false; }
      if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") { return true; }
      return el.tagName === "INPUT" && (TEXT_TYPES.test(el.type) || el.type === "radio" || el.type === "checkbox");
    });
  }
  // A field's value as kept: a string, a list for a multiple choice, a boolean for a check box.
  function read(el) {
    if (el.type === "checkbox") { return el.checked; }
    if (el.tagName === "SELECT" && el.multiple) {
      return Array.prototype.filter.call(el.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; });
    }
    return el.value;
  }
  function values(list) {
    var out = {};
    list.forEach(function (el) {
      if (el.type === "radio") {
        if (!(el.name in out)) { out[el.name] = ""; }
        if (el.checked) { out[el.name] = el.value; }
      } else if (el.type === "checkbox" && list.filter(function (o) { return o.name === el.name; }).length > 1) {
        out[el.name] = out[el.name] || [];
        if (el.checked) { out[el.name].push(el.value); }
      } else {
        out[el.name] = read(el);
      }
    });
    return out;
  }
  // Put the kept value back; true when the field changed.
  function write(el, value, group) {
    var before;
    if (el.type === "radio") {
      before = el.checked; el.checked = el.value === value;
      return before !== el.checked;
    }
    if (el.type === "checkbox") {
      before = el.checked;
      el.checked = group ? value.indexOf(el.value) >= 0 : !!value;
      return before !== el.checked;
    }
    if (el.tagName === "SELECT" && el.multiple) {
      var changed = false;
      Array.prototype.forEach.call(el.options, function (o) {
        var want = value.indexOf(o.value) >= 0;
        if (o.selected !== want) { o.selected = want; changed = true; }
      });
      return changed;
    }
    if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
      return false;  // a choice the page no longer offers
    }
    before = el.value; el.value = value;
    return before !== el.value;
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
        if (!Object.prototype.hasOwnProperty.call(saved.values, el.name)) { return; }
        var value = saved.values[el.name];
        var group = Array.isArray(value) && el.type === "checkbox";
        if (write(el, value, group)) { restored = true; }
      });
      if (restored) {
        notice("What you filled in before your session expired has been put back, your choices included. It is not saved yet: check it and submit the form again.");
      }
    }
    function save(submitted) {
      store.setItem(key, JSON.stringify({ values: values(list), submitted: submitted }));
    }
    form.addEventListener("input", function () { save(false); });
    form.addEventListener("change", function () { save(false); });
    form.addEventListener("submit", function () { save(true); });
  });
})();
