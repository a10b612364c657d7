// Keyboard shortcuts for the board and the tip page. Progressive enhancement only:
// every action also works with the plain forms and links, without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var PHONE = window.matchMedia("(max-width: 720px)");

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function openDialog(id) {
    var d = document.getElementById(id);
    if (d && !d.open) { d.showModal(); }
    return d;
  }

  function closeDialogs() {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  }

  function boardPage(board) {
    // Only the cards on screen: on a phone, those of the list the switcher shows.
    var cards = function () {
      return Array.prototype.slice.call(board.querySelectorAll("article.card")).filter(function (c) { return c.offsetParent !== null; });
    };
    var current = null;

    function select(card) {
      if (current) { current.classList.remove("selected"); current.removeAttribute("aria-selected"); }
      current = card;
      if (card) {
        card.classList.add("selected");
        card.setAttribute("aria-selected", "true");
        card.focus({ preventScroll: true });
        card.scrollIntoView({ block: "nearest" });
      }
    }

    function move(step) {
      var all = cards();
      if (!all.length) { return; }
      var i = current ? all.indexOf(current) : -1;
      select(all[Math.max(0, Math.min(all.length - 1, i + step))]);
    }

    function aim(dialogId, formId) {
      if (!current) { move(1); }
      if (!current) { return; }
      var form = document.getElementById(formId);
      if (!form) { return; }
      form.action = form.getAttribute("data-action").replace("{id}", current.getAttribute("data-tip-id"));
      form.querySelector("input[name=version]").value = current.getAttribute("data-version");
      var d = openDialog(dialogId);
      var first = d.querySelector("select, input:not([type=hidden]), button");
      if (first) { first.focus(); }
    }

    board.addEventListener("click", function (e) {
      var card = e.target.closest("article.card");
      if (card) { select(card); }
    });

    document.querySelectorAll("dialog button.close").forEach(function (b) {
      b.addEventListener("click", closeDialogs);
    });

    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      var statusDialog = document.getElementById("status-dialog");
      if (statusDialog && statusDialog.open && /^[1-7]$/.test(e.key)) {
        var buttons = statusDialog.querySelectorAll("button[name=status]");
        buttons[Number(e.key) - 1].click();
        e.preventDefault();
        return;
      }
      if (typing(e.target) || document.querySelector("dialog[open]")) { return; }
      var keys = {
        j: function () { move(1); },
        k: function () { move(-1); },
        o: function () { if (current) { current.querySelector("a.card-link").click(); } },
        Enter: function () { if (current) { current.querySelector("a.card-link").click(); } },
        s: function () { aim("status-dialog", "status-dialog-form"); },
        a: function () {
          if (document.getElementById("assign-dialog-form")) { aim("assign-dialog", "assign-dialog-form"); }
          else { aim("claim-dialog", "claim-dialog-form"); }
        },
        t: function () { aim("topic-dialog", "topic-dialog-form"); },
        "/": function () { var s = document.getElementById("search"); s.focus(); s.select(); },
        "?": function () { openDialog("help-dialog"); }
      };
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
  }

  // A phone shows one status list at a time; the switcher's links pick it (and the URL's
  // #column-STATUS keeps it across a reload). Without the script the lists stack.
  function statusSwitcher(board, switcher) {
    var links = Array.prototype.slice.call(switcher.querySelectorAll("a.switch"));
    function show(status) {
      board.querySelectorAll("section.column").forEach(function (col) {
        col.classList.toggle("active", col.getAttribute("data-status") === status);
      });
      links.forEach(function (a) {
        var on = a.getAttribute("data-status") === status;
        if (on) { a.setAttribute("aria-current", "true"); } else { a.removeAttribute("aria-current"); }
        if (on && PHONE.matches) { a.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      });
    }
    links.forEach(function (a) {
      a.addEventListener("click", function (e) {
        if (!PHONE.matches) { return; }
        e.preventDefault();
        show(a.getAttribute("data-status"));
        history.replaceState(null, "", a.getAttribute("href"));
      });
    });
    var fromHash = /^#column-/.test(location.hash) && links.filter(function (a) { return a.getAttribute("href") === location.hash; })[0];
    var first = fromHash || links.filter(function (a) { return !a.classList.contains("empty"); })[0] || links[0];
    if (first) { show(first.getAttribute("data-status")); }
  }

  // Wide screens show every filter; a phone keeps them behind the "Filters" button.
  function filterFields() {
    var box = document.getElementById("filter-fields");
    if (!box) { return; }
    if (!PHONE.matches) { box.open = true; }
    PHONE.addEventListener("change", function () { if (!PHONE.matches) { box.open = true; } });
  }

  // "Apply to selected" with nothing ticked: say so beside the button instead of sending
  // the form to a 400 page (which is what happens without the script).
  function bulkForm() {
    var form = document.getElementById("bulk-form");
    var error = document.getElementById("bulk-error");
    if (!form || !error) { return; }
    form.addEventListener("submit", function (e) {
      if (document.querySelector("input.card-select[form=bulk-form]:checked")) { error.hidden = true; return; }
      e.preventDefault();
      error.hidden = false;
    });
    document.addEventListener("change", function (e) {
      if (e.target.matches && e.target.matches("input.card-select")) { error.hidden = true; }
    });
  }

  function backLinks() {
    document.querySelectorAll("a[data-history-back]").forEach(function (a) {
      if (window.history.length < 2 || a.getAttribute("href") !== "/") { return; }
      a.addEventListener("click", function (e) { e.preventDefault(); window.history.back(); });
    });
  }

  function tipPage() {
    var focus = function (selector) {
      return function () { var el = document.querySelector(selector); if (el) { el.focus(); } };
    };
    var keys = {
      s: focus("#status-form select"),
      a: focus("#assign-form select, #claim-form button"),
      t: focus("#topic-form [name=topic]"),
      n: focus("#note-form textarea"),
      u: function () { window.location.href = "/"; },
      "?": function () { window.location.href = "/help"; }
    };
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    var switcher = document.getElementById("status-switcher");
    if (board) { boardPage(board); }
    if (board && switcher) { statusSwitcher(board, switcher); }
    filterFields();
    bulkForm();
    backLinks();
    if (document.getElementById("tip")) { tipPage(); }
  });
}());
