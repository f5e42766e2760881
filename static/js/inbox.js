// Confirmation inbox: keyboard shortcuts for handling many entries fast. The page works without this file.
//   j / k  next / previous entry (moves the focus to its checkbox)
//   x      choose or un-choose the current entry
//   a      choose all entries on the page (again: un-choose all)
//   c      confirm the chosen entries
//   r      go to the reason for rejecting
(function () {
  "use strict";
  var form = document.getElementById("inbox-form");
  var live = document.getElementById("inbox-live");
  if (!form || !live) return;
  var rows = Array.prototype.slice.call(form.querySelectorAll("[data-inbox-row]"));
  if (!rows.length) return;
  var help = document.getElementById("inbox-keys");
  if (help) help.hidden = false;
  var current = -1;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  function say(text) {
    // Clear first, so the same text twice is read twice.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 30);
  }

  function box(row) { return row.querySelector("input[type=checkbox][name=entry]"); }

  function chosenCount() {
    return rows.filter(function (row) { var b = box(row); return b && b.checked; }).length;
  }

  function sayChosen() {
    say(fill(live.dataset.chosen, { num: chosenCount(), total: rows.length }));
  }

  function move(step) {
    var active = rows.indexOf(document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("[data-inbox-row]") : null);
    if (active !== -1) current = active;
    current = Math.max(0, Math.min(rows.length - 1, current + step));
    var row = rows[current];
    var b = box(row);
    if (b) b.focus();
    row.scrollIntoView({ block: "nearest" });
    say(fill(live.dataset.row, { n: current + 1, total: rows.length, summary: row.dataset.summary || "" }));
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") return true;
    if (tag !== "input") return false;
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf((target.type || "").toLowerCase()) === -1;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var key = event.key;
    if (key === "j" || key === "k") {
      event.preventDefault();
      move(key === "j" ? 1 : -1);
    } else if (key === "x") {
      if (current === -1) move(1);
      var row = rows[current];
      var b = row && box(row);
      if (!b) return;
      event.preventDefault();
      b.checked = !b.checked;
      sayChosen();
    } else if (key === "a") {
      event.preventDefault();
      var all = chosenCount() === rows.length;
      rows.forEach(function (r) { var b = box(r); if (b) b.checked = !all; });
      sayChosen();
    } else if (key === "c") {
      event.preventDefault();
      var num = chosenCount();
      if (!num) { say(live.dataset.none); return; }
      var button = form.querySelector("[data-inbox-confirm]");
      say(fill(live.dataset.confirming, { num: num }));
      if (button && form.requestSubmit) form.requestSubmit(button);
      else if (button) button.click();
    } else if (key === "r") {
      var reason = document.getElementById("rejection_code");
      if (!reason) return;
      event.preventDefault();
      reason.focus();
      reason.scrollIntoView({ block: "center" });
    }
  });
})();
