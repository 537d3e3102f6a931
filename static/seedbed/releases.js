// Live progress of a release build: polls the release's progress.json every 2 s while it builds, moves the
// bar and the row counts, and reloads the page once the build has ended so its stats and files show.
// The page works without it: a reload shows the same.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function setText(root, name, value) {
    var el = root.querySelector("[data-field='" + name + "']");
    if (el && value !== null && value !== undefined) { el.textContent = String(value); }
  }

  function render(root, p) {
    setText(root, "stage_label", p.stage_label);
    setText(root, "rows", p.rows_total ? p.rows_done + " of " + p.rows_total + " rows" : "");
    var bar = root.querySelector("[role='progressbar']");
    if (bar) {
      var pct = Math.max(0, Math.min(100, Number(p.percent) || 0));
      bar.setAttribute("aria-valuenow", String(pct));
      var fill = bar.querySelector(".bar-fill");
      if (fill) { fill.style.width = pct + "%"; }
    }
  }

  function watch(root) {
    var url = root.getAttribute("data-progress-url");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (p && p.status !== "building") { window.location.reload(); return; }
          if (p) { render(root, p); }
          window.setTimeout(poll, INTERVAL);
        })
        .catch(function () { window.setTimeout(poll, INTERVAL); });
    }
    window.setTimeout(poll, INTERVAL);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-release-progress]").forEach(watch);
  });
})();
