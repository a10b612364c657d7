// Keyboard shortcuts for the board and the tip page. Progressive enhancement only:
// every action also works with the plain forms and links, without this script.
(function () {
  "use strict";

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
    var cards = function () { return Array.prototype.slice.call(board.querySelectorAll("article.card")); };
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

  function tipPage() {
    var focus = function (selector) {
      return function () { var el = document.querySelector(selector); if (el) { el.focus(); } };
    };
    var keys = {
      s: focus("#status-form select"),
      a: focus("#assign-form select, #claim-form button"),
      t: focus("#topic-form input[name=topic]"),
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
    if (board) { boardPage(board); }
    if (document.getElementById("tip")) { tipPage(); }
  });
}());
