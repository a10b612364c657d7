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

  var ORDER = ["new", "reviewing", "assigned", "pursuing", "published", "declined", "not_tip", "spam"];

  function say(text) {
    var live = document.getElementById("live-status");
    if (live) { live.textContent = text; }
  }

  // A form sent with fetch (Accept: JSON): no page load. Resolves with the JSON answer;
  // an error answer rejects with its message (the server's error pages speak JSON too).
  function send(action, data) {
    return fetch(action, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return { message: "The server did not answer (HTTP " + r.status + ")." }; })
          .then(function (body) { if (!r.ok) { throw new Error(body.message || body.error || ("HTTP " + r.status)); } return body; });
      });
  }

  function boardPage(board) {
    // Only the cards on screen: on a phone, those of the list the switcher shows.
    var cards = function () {
      return Array.prototype.slice.call(board.querySelectorAll("article.card")).filter(function (c) { return c.offsetParent !== null; });
    };
    var current = null;
    var place = { id: null, index: -1 };
    var editor = board.getAttribute("data-role") !== "reporter";
    var refreshing = null;

    function may(card, action) {
      return card && (" " + (card.getAttribute("data-actions") || "") + " ").indexOf(" " + action + " ") >= 0;
    }

    function select(card) {
      if (current) { current.classList.remove("selected"); current.removeAttribute("aria-selected"); }
      current = card;
      if (card) {
        card.classList.add("selected");
        card.setAttribute("aria-selected", "true");
        card.focus({ preventScroll: true });
        card.scrollIntoView({ block: "nearest" });
        place = { id: card.getAttribute("data-tip-id"), index: cards().indexOf(card) };
      }
    }

    function move(step) {
      var all = cards();
      if (!all.length) { return; }
      var i = current && all.indexOf(current) >= 0 ? all.indexOf(current) : (place.index >= 0 ? place.index - (step > 0 ? 1 : 0) : -1);
      select(all[Math.max(0, Math.min(all.length - 1, i + step))]);
    }

    // After the lists are swapped: the same card if it is still on screen, else the one now at its place.
    function restore(keepFocus) {
      if (place.id === null) { return; }
      var all = cards();
      var same = all.filter(function (c) { return c.getAttribute("data-tip-id") === place.id; })[0];
      var card = same || all[Math.min(place.index, all.length - 1)];
      current = null;
      if (card && keepFocus) { select(card); } else if (card) { card.classList.add("selected"); current = card; }
    }

    function target(form, card) {
      var story = card.getAttribute("data-story");
      var forStory = story && form.getAttribute("data-story-action");
      form.action = (forStory ? form.getAttribute("data-story-action") : form.getAttribute("data-action"))
        .replace("{id}", forStory ? story : card.getAttribute("data-tip-id"));
      form.querySelector("input[name=version]").value = card.getAttribute("data-version");
      var tip = form.querySelector("input[name=tip]");
      if (tip) { tip.value = card.getAttribute("data-tip-id"); }
    }

    function aim(dialogId, formId, action, refusal) {
      if (!current) { move(1); }
      if (!current) { return; }
      var form = document.getElementById(formId);
      if (!form || !may(current, action)) { say(refusal); return; }
      target(form, current);
      var d = openDialog(dialogId);
      var first = d.querySelector("select, input:not([type=hidden]), button");
      if (first) { first.focus(); }
    }

    function moveTo(card, status) {
      if (!may(card, "status") || card.getAttribute("data-status") === status) { return Promise.resolve(); }
      if (status === "spam" && !editor) { say("Only editors mark spam."); return Promise.resolve(); }
      var data = new FormData();
      data.append("csrf_token", board.getAttribute("data-csrf"));
      data.append("version", card.getAttribute("data-version"));
      data.append("tip", card.getAttribute("data-tip-id"));
      data.append("status", status);
      var story = card.getAttribute("data-story");
      var url = story ? "/stories/" + story + "/status" : "/tips/" + card.getAttribute("data-tip-id") + "/status";
      return send(url, data).then(function (body) { say(body.message); return refresh(true); },
        function (err) { say(err.message); return refresh(true); });
    }

    function step(direction) {
      if (!current) { move(1); }
      if (!current) { return; }
      if (!may(current, "status")) { say("You may move only the tips assigned to you."); return; }
      var i = ORDER.indexOf(current.getAttribute("data-status")) + direction;
      if (i >= 0 && i < ORDER.length) { moveTo(current, ORDER[i]); }
    }

    // Fetch this page again and swap in its lists: new tips and other people's changes show
    // without a reload; marks: "fresh" (new since the last look), "changed" (someone else's change).
    function refresh(keepFocus, marks) {
      if (refreshing) { return refreshing; }
      refreshing = fetch(location.pathname + location.search, { credentials: "same-origin", headers: { Accept: "text/html" }, cache: "no-store" })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("board");
          if (!fresh) { return; }
          var focused = document.activeElement && board.contains(document.activeElement);
          board.innerHTML = fresh.innerHTML;
          board.setAttribute("data-state", fresh.getAttribute("data-state"));
          board.setAttribute("data-csrf", fresh.getAttribute("data-csrf"));
          var switcher = document.getElementById("status-switcher");
          var newSwitcher = doc.getElementById("status-switcher");
          if (switcher && newSwitcher) { switcher.innerHTML = newSwitcher.innerHTML; }
          document.dispatchEvent(new CustomEvent("board:swapped"));
          if (marks) {
            board.querySelectorAll("article.card").forEach(function (c) {
              var id = Number(c.getAttribute("data-tip-id"));
              var story = Number(c.getAttribute("data-story") || 0);
              if (marks.fresh.indexOf(id) >= 0) { c.classList.add("fresh"); }
              if (marks.changed.indexOf(id) >= 0 || (story && marks.stories.indexOf(story) >= 0)) { c.classList.add("changed"); }
            });
          }
          restore(keepFocus || focused);
        })
        .catch(function () { /* the next poll tries again */ })
        .then(function () { refreshing = null; });
      return refreshing;
    }

    // The poll: a 304 while nothing moved; otherwise ids of what is new and what others changed.
    function live() {
      var url = board.getAttribute("data-poll");
      var seconds = Number(board.getAttribute("data-poll-seconds") || 0);
      if (!url || !(seconds > 0) || !window.fetch) { return; }
      var etag = null;
      var pending = { fresh: [], changed: [], stories: [] };
      function tick() {
        var headers = { Accept: "application/json" };
        if (etag) { headers["If-None-Match"] = etag; }
        var since = board.getAttribute("data-state") || "";
        fetch(url + (url.indexOf("?") >= 0 ? "&" : "?") + "state=" + encodeURIComponent(since),
          { credentials: "same-origin", headers: headers, cache: "no-store" })
          .then(function (r) {
            if (r.status === 304 || !r.ok) { return null; }
            etag = r.headers.get("ETag");
            return r.json();
          })
          .then(function (body) {
            if (!body) { return; }
            var onScreen = {};
            board.querySelectorAll("article.card").forEach(function (c) { onScreen[c.getAttribute("data-tip-id")] = true; });
            pending.fresh = pending.fresh.concat(body["new"].filter(function (id) { return !onScreen[String(id)]; }));
            pending.changed = pending.changed.concat(body.changed);
            pending.stories = pending.stories.concat(body.stories);
            if (body.state === since || document.querySelector("dialog[open]") || board.querySelector(".dragging")) { return; }
            var marks = pending;
            pending = { fresh: [], changed: [], stories: [] };
            return refresh(false, marks).then(function () {
              var parts = [];
              if (marks.fresh.length) { parts.push(marks.fresh.length + " new"); }
              if (marks.changed.length) { parts.push(marks.changed.length + " changed by others"); }
              if (parts.length) { say(parts.join(", ")); }
            });
          })
          .catch(function () { /* offline for a moment: the next tick tries again */ })
          .then(function () { setTimeout(tick, seconds * 1000); });
      }
      setTimeout(tick, seconds * 1000);
    }

    board.addEventListener("click", function (e) {
      var card = e.target.closest("article.card");
      if (card) { select(card); }
    });

    // Drag a card onto another status (with the keyboard: s then a number, or [ and ]).
    board.addEventListener("dragstart", function (e) {
      var card = e.target.closest && e.target.closest("article.card[draggable=true]");
      if (!card) { return; }
      card.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.getAttribute("data-tip-id"));
    });
    board.addEventListener("dragend", function () {
      board.querySelectorAll(".dragging, .drop-target").forEach(function (el) { el.classList.remove("dragging", "drop-target"); });
    });
    board.addEventListener("dragover", function (e) {
      var column = e.target.closest && e.target.closest("section.column");
      var dragged = board.querySelector("article.card.dragging");
      if (!column || !dragged || column.getAttribute("data-status") === dragged.getAttribute("data-status")) { return; }
      e.preventDefault();
      board.querySelectorAll(".drop-target").forEach(function (el) { if (el !== column) { el.classList.remove("drop-target"); } });
      column.classList.add("drop-target");
    });
    board.addEventListener("drop", function (e) {
      var column = e.target.closest && e.target.closest("section.column");
      var dragged = board.querySelector("article.card.dragging");
      if (!column || !dragged) { return; }
      e.preventDefault();
      select(dragged);
      dragged.classList.remove("dragging");
      column.classList.remove("drop-target");
      moveTo(dragged, column.getAttribute("data-status"));
    });

    // The dialogs' forms go through fetch; without the script they are plain forms.
    document.querySelectorAll("dialog form[data-action]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.fetch || !window.FormData) { return; }
        e.preventDefault();
        var data = new FormData(form);
        if (e.submitter && e.submitter.name) { data.append(e.submitter.name, e.submitter.value); }
        closeDialogs();
        send(form.action, data).then(function (body) { say(body.message); return refresh(true); },
          function (err) { say(err.message); return refresh(true); });
      });
    });

    document.querySelectorAll("dialog button.close").forEach(function (b) {
      b.addEventListener("click", closeDialogs);
    });
    document.querySelectorAll("dialog").forEach(function (d) {
      d.addEventListener("close", function () { if (current && current.isConnected) { current.focus({ preventScroll: true }); } });
    });

    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      var statusDialog = document.getElementById("status-dialog");
      if (statusDialog && statusDialog.open && /^[1-9]$/.test(e.key)) {
        var buttons = statusDialog.querySelectorAll("button[name=status]");
        if (buttons[Number(e.key) - 1]) { buttons[Number(e.key) - 1].click(); }
        e.preventDefault();
        return;
      }
      if (typing(e.target) || document.querySelector("dialog[open]")) { return; }
      var open = function () { if (current) { current.querySelector("a.card-link").click(); } };
      var keys = {
        j: function () { move(1); },
        k: function () { move(-1); },
        o: open,
        Enter: open,
        s: function () { aim("status-dialog", "status-dialog-form", "status", "You may move only the tips assigned to you."); },
        a: function () {
          if (editor) { aim("assign-dialog", "assign-dialog-form", "assign", ""); }
          else { aim("claim-dialog", "claim-dialog-form", "claim", "Somebody has this tip already: an editor can reassign it."); }
        },
        t: function () { aim("topic-dialog", "topic-dialog-form", "topic", "You may correct the topic only of the tips assigned to you."); },
        "[": function () { step(-1); },
        "]": function () { step(1); },
        r: function () { refresh(true); },
        "/": function () { var s = document.getElementById("search"); s.focus(); s.select(); },
        "?": function () { openDialog("help-dialog"); }
      };
      if (editor) {
        keys.x = function () {
          if (!current) { move(1); }
          var box = current && current.querySelector("input.card-select");
          if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
        };
      }
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
    live();
  }

  // A phone shows one status list at a time; the switcher's links pick it (and the URL's
  // #column-STATUS keeps it across a reload, and across the live board's swaps). Without the script the lists stack.
  function statusSwitcher(board, switcher) {
    var active = null;
    var links = function () { return Array.prototype.slice.call(switcher.querySelectorAll("a.switch")); };
    function show(status) {
      active = status;
      board.querySelectorAll("section.column").forEach(function (col) {
        col.classList.toggle("active", col.getAttribute("data-status") === status);
      });
      links().forEach(function (a) {
        var on = a.getAttribute("data-status") === status;
        if (on) { a.setAttribute("aria-current", "true"); } else { a.removeAttribute("aria-current"); }
        if (on && PHONE.matches) { a.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      });
    }
    switcher.addEventListener("click", function (e) {
      var a = e.target.closest("a.switch");
      if (!a || !PHONE.matches) { return; }
      e.preventDefault();
      show(a.getAttribute("data-status"));
      history.replaceState(null, "", a.getAttribute("href"));
    });
    document.addEventListener("board:swapped", function () { if (active) { show(active); } });
    var fromHash = /^#column-/.test(location.hash) && links().filter(function (a) { return a.getAttribute("href") === location.hash; })[0];
    var first = fromHash || links().filter(function (a) { return !a.classList.contains("empty"); })[0] || links()[0];
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
    if (board && switcher) { statusSwitcher(board, switcher); }
    if (board) { boardPage(board); }
    filterFields();
    bulkForm();
    backLinks();
    if (document.getElementById("tip")) { tipPage(); }
  });
}());
