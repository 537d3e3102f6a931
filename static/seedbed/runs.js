// Live progress of generation runs: polls the run's progress.json every 2 s while it is queued or running,
// and re-renders its samples (server-side, escaped) when new ones arrive. The pages work without it.
(function () {
  "use strict";
  var INTERVAL = 2000;
  var FINISHED = { succeeded: true, failed: true, cancelled: true };
  var STATUS_LABELS = { queued: "queued", running: "running", succeeded: "succeeded", failed: "failed", cancelled: "cancelled" };

  function duration(seconds) {
    var total = Math.round(seconds), h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    function two(n) { return n < 10 ? "0" + n : String(n); }
    if (h) { return h + " h " + two(m) + " min"; }
    if (m) { return m + " min " + two(s) + " s"; }
    return s + " s";
  }

  function setText(root, name, value) {
    var el = root.querySelector("[data-field='" + name + "']");
    if (el) { el.textContent = String(value); }
  }

  function labels() {
    var node = document.getElementById("reason-labels");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  }

  function render(root, p, reasonLabels) {
    root.setAttribute("data-status", p.status);
    var status = root.querySelector("[data-field='status']");
    if (status) {
      var badge = document.createElement("span");
      badge.className = "badge badge--status badge--" + p.status;
      badge.textContent = STATUS_LABELS[p.status] || p.status;
      status.replaceChildren(badge);
    }
    ["requests_done", "requests_total", "samples_kept", "samples_filtered", "tokens_in", "tokens_out"].forEach(function (k) {
      setText(root, k, p[k]);
    });
    var pct = p.requests_total > 0 ? Math.max(0, Math.min(100, Math.floor(100 * p.requests_done / p.requests_total))) : 0;
    var bar = root.querySelector("[role='progressbar']");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(pct));
      var fill = bar.querySelector(".bar-fill");
      if (fill) { fill.style.width = pct + "%"; }
    }
    var eta = "";
    if (p.status === "queued") { eta = "waiting for a worker…"; }
    else if (p.status === "running") { eta = p.eta_seconds ? "about " + duration(p.eta_seconds) + " left" : "estimating…"; }
    setText(root, "eta", eta);
    var list = root.querySelector("[data-field='filtered_by_reason']");
    if (list) {
      var items = Object.keys(p.filtered_by_reason || {}).map(function (code) {
        var li = document.createElement("li"), strong = document.createElement("strong");
        li.setAttribute("data-reason", code);
        li.appendChild(document.createTextNode((reasonLabels[code] || code) + ": "));
        strong.textContent = String(p.filtered_by_reason[code]);
        li.appendChild(strong);
        return li;
      });
      list.replaceChildren.apply(list, items);
    }
  }

  function refreshSamples() {
    document.querySelectorAll("[data-run-samples]").forEach(function (box) {
      var src = box.getAttribute("data-src");
      if (!src) { return; }
      fetch(src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { box.innerHTML = html; } })
        .catch(function () { /* the next poll tries again */ });
    });
  }

  function watch(root) {
    var url = root.getAttribute("data-progress-url");
    var reasonLabels = labels();
    var seen = -1;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error("progress " + r.status); } return r.json(); })
        .then(function (p) {
          render(root, p, reasonLabels);
          var count = p.samples_kept + p.samples_filtered, done = !!FINISHED[p.status];
          if (count !== seen || done) { seen = count; refreshSamples(); }
          if (done) {
            document.querySelectorAll("[data-run-cancel]").forEach(function (f) { f.remove(); });
            root.removeAttribute("data-live");
            return;
          }
          window.setTimeout(poll, INTERVAL);
        })
        .catch(function () { window.setTimeout(poll, INTERVAL * 2); });
    }
    window.setTimeout(poll, INTERVAL);
  }

  function start() {
    document.querySelectorAll("[data-run-progress][data-live]").forEach(watch);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
