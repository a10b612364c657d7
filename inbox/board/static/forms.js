/* Tip Inbox: a page's own forms without a page load (the tip page, the story page).
 *
 * A form in <main id="tip"> or <main id="story"> is sent with fetch, as the browser would
 * send it; the server answers as it does without the script (a redirect back to the page,
 * or the page again with a message beside a field), and that answer's main part and
 * messages replace this page's. Focus goes back to the control that sent it. An answer
 * that is another page (a merge that leads to the other tip, an error page) is shown as
 * that page. Without the script the forms are plain forms.
 */
(function () {
  "use strict";

  function same(a, b, name) { return a.getAttribute(name) === b.getAttribute(name); }

  function showPage(url, html) {
    if (url) { window.history.replaceState(null, "", url); }
    document.open();
    document.write(html);
    document.close();
  }

  function swapForms(main) {
    main.addEventListener("submit", function (e) {
      var form = e.target;
      if (!window.fetch || !window.FormData || (form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
      e.preventDefault();
      var data = new FormData(form);
      if (e.submitter && e.submitter.name) { data.append(e.submitter.name, e.submitter.value); }
      var back = e.submitter && e.submitter.id ? "#" + e.submitter.id : (form.id ? "#" + form.id + " [name]:not([type=hidden])" : "");
      main.setAttribute("aria-busy", "true");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.text().then(function (html) { return { r: r, html: html }; }); })
        .then(function (got) {
          var doc = new DOMParser().parseFromString(got.html, "text/html");
          var fresh = doc.getElementById(main.id);
          if (!fresh || !same(fresh, main, "data-tip-id") || !same(fresh, main, "data-story")) {
            showPage(got.r.redirected ? got.r.url : "", got.html);
            return;
          }
          document.querySelectorAll("body > p.flash").forEach(function (p) { p.remove(); });
          doc.querySelectorAll("body > p.flash").forEach(function (p) {
            main.parentNode.insertBefore(document.importNode(p, true), main);
          });
          main.innerHTML = fresh.innerHTML;
          if (fresh.hasAttribute("data-version")) { main.setAttribute("data-version", fresh.getAttribute("data-version")); }
          main.removeAttribute("aria-busy");
          var control = back && main.querySelector(back);
          if (control) { control.focus(); }
        })
        .catch(function () {
          main.removeAttribute("aria-busy");
          var p = document.createElement("p");
          p.className = "flash error"; p.setAttribute("role", "alert");
          p.textContent = "The board did not answer: nothing may have changed. Reload the page and try again.";
          main.parentNode.insertBefore(p, main);
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    ["tip", "story"].forEach(function (id) {
      var main = document.getElementById(id);
      if (main) { swapForms(main); }
    });
  });
}());
