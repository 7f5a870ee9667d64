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

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    showLocalTimes();
    confirmDangerousActions();
    copyButtons();
  });
})();
