/* haiquan's only script of its own (CSP: no inline script anywhere). Pages work without it;
   it adds: focus on the error summary, removing goods lines in place, numbering the lines,
   the HS code look-up dialog, the menus of the header, and htmx's 4xx answers shown on the
   page. Everything else is htmx with server-rendered partials. */
(function () {
  "use strict";

  function renumberLines(container) {
    var lines = container.querySelectorAll("[data-line]");
    lines.forEach(function (line, i) {
      line.querySelectorAll("[data-line-number]").forEach(function (el) {
        el.textContent = String(i + 1);
      });
    });
    var count = document.querySelector("[data-line-count]");
    if (count) { count.textContent = String(lines.length); }
  }

  function linesChanged() {
    var container = document.getElementById("lines");
    if (container) { renumberLines(container); }
    document.body.dispatchEvent(new CustomEvent("lines-changed", { bubbles: true }));
  }

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  var hsTarget = null;

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-action]");
    if (!el) {
      var link = event.target.closest(".error-summary a[href^='#']");
      if (link) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) {
          event.preventDefault();
          target.scrollIntoView({ block: "center" });
          target.focus();
        }
      }
      return;
    }
    var action = el.getAttribute("data-action");
    if (action === "remove-line") {
      event.preventDefault();
      var line = el.closest("[data-line]");
      var container = document.getElementById("lines");
      if (!line || !container) { return; }
      if (container.querySelectorAll("[data-line]").length > 1) {
        var next = line.nextElementSibling || line.previousElementSibling;
        line.remove();
        if (next) {
          var focusable = next.querySelector("input, select");
          if (focusable) { focusable.focus(); }
        }
      } else {
        line.querySelectorAll("input, select").forEach(function (input) { input.value = ""; });
      }
      linesChanged();
    } else if (action === "find-hs") {
      var dialog = document.getElementById("hs-dialog");
      if (!dialog || typeof dialog.showModal !== "function") { return; }
      event.preventDefault();
      hsTarget = el.closest("[data-line]");
      dialog.showModal();
      var search = dialog.querySelector("input[type=search]");
      if (search) {
        var current = hsTarget && hsTarget.querySelector("[name=hs_code]");
        if (current && current.value && !search.value) {
          search.value = current.value;
          search.dispatchEvent(new Event("input", { bubbles: true }));
        }
        search.focus();
      }
    } else if (action === "choose-hs") {
      event.preventDefault();
      var dlg = document.getElementById("hs-dialog");
      if (hsTarget) {
        var code = hsTarget.querySelector("[name=hs_code]");
        var unit = hsTarget.querySelector("[name=unit]");
        var description = hsTarget.querySelector("[name=description]");
        if (code) { code.value = el.getAttribute("data-code"); }
        if (unit && el.getAttribute("data-unit")) { unit.value = el.getAttribute("data-unit"); }
        if (description && !description.value) { description.value = el.getAttribute("data-description"); }
        if (code) { code.focus(); }
      }
      if (dlg) { dlg.close(); }
      linesChanged();
    } else if (action === "close-dialog") {
      var d = el.closest("dialog");
      if (d) { event.preventDefault(); d.close(); }
    }
  });

  document.addEventListener("htmx:load", function (event) {
    var el = event.detail && event.detail.elt;
    if (el && el.matches && el.matches("[data-line]")) {
      renumberLines(document.getElementById("lines"));
      var first = el.querySelector("input, select");
      if (first) { first.focus(); }
      document.body.dispatchEvent(new CustomEvent("lines-changed", { bubbles: true }));
    }
  });

  /* htmx answers with a 4xx too: a form with its errors (422), a filter it cannot apply (400).
     htmx 2 leaves those out; here every 4xx partial is swapped into the request's target like
     a 200. A whole error page (403, 404, the CSRF page) or a 5xx is not a partial: its heading
     and first sentence are shown in a notice just before the element that made the request,
     so no htmx form ever fails in silence. */
  function noticeFor(elt) {
    var anchor = elt.closest("form") || elt;
    var notice = anchor.previousElementSibling;
    if (!notice || !notice.hasAttribute("data-htmx-error")) {
      notice = document.createElement("div");
      notice.className = "notice notice--error";
      notice.setAttribute("role", "alert");
      notice.setAttribute("data-htmx-error", "");
      notice.setAttribute("tabindex", "-1");
      anchor.parentNode.insertBefore(notice, anchor);
    }
    return notice;
  }

  function clearNotice(elt) {
    var anchor = elt && (elt.closest("form") || elt);
    var notice = anchor && anchor.previousElementSibling;
    if (notice && notice.hasAttribute("data-htmx-error")) { notice.remove(); }
  }

  function showProblem(elt, html) {
    var title = "", detail = "";
    if (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var main = doc.querySelector("main") || doc.body;
      var h1 = main && main.querySelector("h1");
      var p = main && main.querySelector("h1 ~ p, p");
      title = h1 ? h1.textContent.trim() : "";
      detail = p ? p.textContent.trim() : "";
    }
    if (!title) { title = document.body.getAttribute("data-htmx-error") || ""; }
    var notice = noticeFor(elt);
    notice.textContent = "";
    var strong = document.createElement("p");
    var b = document.createElement("strong");
    b.textContent = title;
    strong.appendChild(b);
    notice.appendChild(strong);
    if (detail) {
      var para = document.createElement("p");
      para.textContent = detail;
      notice.appendChild(para);
    }
    notice.focus();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.requestConfig ? event.detail.requestConfig.elt : event.target;
    if (xhr.status < 400) { clearNotice(elt); return; }
    var body = xhr.responseText || "";
    var whole = /<html[\s>]/i.test(body);
    if (xhr.status < 500 && !whole) {
      clearNotice(elt);
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    event.detail.isError = false;  // shown here, not only in the console
    showProblem(elt, body);
  });

  document.addEventListener("htmx:sendError", function (event) {
    showProblem(event.detail.elt || event.target, "");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var summary = target && target.querySelector && target.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });

  /* The header's menus (<details data-menu>): one open at a time, closed by Escape (focus back
     on its title) or by a click outside. */
  function menus() { return document.querySelectorAll("details[data-menu]"); }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details[data-menu]") || !opened.open) { return; }
    menus().forEach(function (d) { if (d !== opened) { d.open = false; } });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus().forEach(function (d) {
      if (d.open) {
        d.open = false;
        var summary = d.querySelector("summary");
        if (summary && d.contains(document.activeElement)) { summary.focus(); }
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus().forEach(function (d) { if (d.open && !d.contains(event.target)) { d.open = false; } });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorSummary);
  } else {
    focusErrorSummary();
  }
})();
