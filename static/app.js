// Connect's small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so keyboard and screen-reader users hear
  // what went wrong right away.
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary) summary.focus();
  }

  // <time data-local datetime="..."> gets the viewer's own zone beside the
  // region's, since only the browser knows where the viewer is.
  function showLocalTimes() {
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
    } catch (e) { return; }
    document.querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      var target = document.getElementById(el.getAttribute("data-local"));
      if (target) target.textContent = fmt.format(d) + " (your time)";
    });
  }

  // Buttons with data-confirm ask before a destructive post.
  function confirmDangerousActions() {
    document.addEventListener("submit", function (ev) {
      var btn = ev.submitter;
      var msg = (btn && btn.getAttribute("data-confirm")) || ev.target.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) ev.preventDefault();
    });
  }

  // Copy buttons: <button data-copy="#id">.
  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var src = document.querySelector(btn.getAttribute("data-copy"));
        if (!src || !navigator.clipboard) return;
        navigator.clipboard.writeText(src.textContent.trim()).then(function () {
          var old = btn.textContent;
          btn.textContent = "Copied";
          setTimeout(function () { btn.textContent = old; }, 2000);
        });
      });
    });
  }

  // Live regions: an element with data-live-refresh="ms" is fetched again
  // and swapped in place until the server sends it without the attribute.
  // data-redirect on the finished element moves on (validation → summary).
  function liveRegions() {
    var done = document.querySelector("[data-redirect]");
    if (done) {
      // Finished before this page loaded: move on, as a refresh would.
      setTimeout(function () { window.location.assign(done.getAttribute("data-redirect")); }, 1500);
      return;
    }
    var el = document.querySelector("[data-live-refresh]");
    if (!el || !window.fetch || !window.DOMParser) return;
    var id = el.id;
    var delay = parseInt(el.getAttribute("data-live-refresh"), 10) || 2000;
    function tick() {
      fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(id);
          var cur = document.getElementById(id);
          if (!cur) return;
          // The live part is gone (a run finished): show the whole new page.
          if (!fresh) { window.location.reload(); return; }
          cur.replaceWith(fresh);
          showLocalTimes(); // the fresh part has its times in UTC again
          var next = fresh.getAttribute("data-redirect");
          if (next) { setTimeout(function () { window.location.assign(next); }, 1500); return; }
          if (fresh.hasAttribute("data-live-refresh")) setTimeout(tick, delay);
        })
        .catch(function () { setTimeout(tick, delay * 2); });
    }
    setTimeout(tick, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveRegions();
    focusErrorSummary();
    showLocalTimes();
    confirmDangerousActions();
    copyButtons();
  });
})();
