// The guided submission form: stepper, path picker, seed-example rows, word counters and live validation.
// Everything here is an enhancement: without it the form is one long page that posts and re-renders.
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  if (!form) { return; }

  var PREFIX = "ex";
  var touched = {};
  var showAll = false;
  var timer = null;
  var sequence = 0;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function words(text) { text = (text || "").trim(); return text ? text.split(/\s+/).length : 0; }
  function valueOf(name) { var el = form.elements[name]; return el && el.value ? el.value : ""; }

  // --- Steps -------------------------------------------------------------------------------------------
  var steps = $all(".step", form);
  var current = 1;
  function showStep(n) {
    current = Math.max(1, Math.min(steps.length, n));
    steps.forEach(function (step) { step.classList.toggle("is-current", Number(step.dataset.step) === current); });
    $all("#stepper a").forEach(function (link) {
      var k = Number(link.dataset.step);
      link.classList.toggle("is-done", k < current);
      if (k === current) { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
    });
    if (current === steps.length) { showAll = true; validateSoon(0); }
  }
  form.classList.add("is-stepped");
  $all("#stepper a").forEach(function (link) {
    link.addEventListener("click", function (event) { event.preventDefault(); showStep(Number(link.dataset.step)); });
  });
  form.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    if (target.classList.contains("js-next")) { showStep(current + 1); window.scrollTo(0, 0); }
    if (target.classList.contains("js-back")) { showStep(current - 1); window.scrollTo(0, 0); }
    if (target.classList.contains("js-remove-row")) { removeRow(target.closest(".example-row")); }
    if (target.classList.contains("path-option")) { choosePath(target); }
  });

  // --- Kind --------------------------------------------------------------------------------------------
  function syncKind() {
    var checked = $("input[name=kind]:checked", form);
    if (checked) { form.dataset.kind = checked.value; }
  }
  syncKind();

  // --- Path picker -------------------------------------------------------------------------------------
  var pathInput = form.elements.path;
  var results = $("#path-results");
  var note = $("#path-note");
  var pathTimer = null;
  function searchPaths() {
    var q = pathInput.value.trim();
    fetch(form.dataset.pathsUrl + "?q=" + encodeURIComponent(q.replace(/\//g, " ")), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        results.textContent = "";
        body.results.forEach(function (item) {
          var option = document.createElement("button");
          option.type = "button";
          option.className = "path-option path-option--" + item.type;
          option.setAttribute("role", "option");
          option.dataset.path = item.path;
          option.dataset.type = item.type;
          option.dataset.kind = item.kind;
          option.textContent = item.path + (item.type === "directory" ? "/" : "");
          var tag = document.createElement("span");
          tag.className = "badge badge--" + (item.kind || "dir");
          tag.textContent = item.type === "leaf" ? "leaf" : "directory";
          option.appendChild(tag);
          results.appendChild(option);
        });
        results.hidden = body.results.length === 0;
      })
      .catch(function () { results.hidden = true; });
  }
  function choosePath(option) {
    var action;
    if (option.dataset.type === "leaf") {
      pathInput.value = option.dataset.path;
      action = $("input[name=action][value=update]", form);
      if (action) { action.checked = true; }
      note.textContent = "A leaf exists at this path: the action is set to update it.";
      if (option.dataset.kind) {
        var kind = $("input[name=kind][value=" + option.dataset.kind + "]", form);
        if (kind) { kind.checked = true; syncKind(); }
      }
    } else {
      pathInput.value = option.dataset.path + "/";
      action = $("input[name=action][value=add]", form);
      if (action) { action.checked = true; }
      note.textContent = "Add a new leaf below " + option.dataset.path + "/: type its name.";
    }
    results.hidden = true;
    pathInput.focus();
    touched.path = true;
    validateSoon(0);
  }
  if (pathInput && results) {
    pathInput.setAttribute("role", "combobox");
    pathInput.setAttribute("aria-controls", "path-results");
    pathInput.addEventListener("input", function () { clearTimeout(pathTimer); pathTimer = setTimeout(searchPaths, 200); });
    pathInput.addEventListener("focus", function () { if (!pathInput.value) { searchPaths(); } });
  }

  // --- Seed-example rows -------------------------------------------------------------------------------
  var rowsBox = $("#example-rows");
  var total = form.elements[PREFIX + "-TOTAL_FORMS"];
  function enhanceRow(row) {
    var remove = $(".row-remove", row);
    if (!remove || $(".js-remove-row", row)) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary js-remove-row";
    button.textContent = "Remove this example";
    remove.appendChild(button);
    $("label", remove).hidden = true;
  }
  function renumber() {
    $all(".example-row:not(.is-removed)", rowsBox).forEach(function (row, i) { $(".row-number", row).textContent = String(i + 1); });
  }
  function removeRow(row) {
    var box = $("input[name$='-DELETE']", row);
    if (box) { box.checked = true; }
    row.classList.add("is-removed");
    row.hidden = true;
    renumber();
    countWords();
    validateSoon(0);
  }
  $all(".example-row", rowsBox).forEach(enhanceRow);
  var add = $("#add-example");
  if (add) {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var index = Number(total.value);
      var holder = document.createElement("div");
      holder.innerHTML = $("#example-row-template").innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.firstElementChild;
      rowsBox.appendChild(row);
      total.value = String(index + 1);
      enhanceRow(row);
      renumber();
      var first = $("textarea:not([name$='-context'])", row);
      if (first) { first.focus(); }
    });
  }

  // --- Word counters -----------------------------------------------------------------------------------
  function setCount(key, n) {
    $all("[data-count-for='" + key + "']", form).forEach(function (el) {
      $(".word-count-n", el).textContent = String(n);
      el.classList.toggle("is-over", n > Number(el.dataset.limit));
    });
  }
  function countWords() {
    var all = 0;
    var grounded = form.dataset.kind !== "freeform_skill";
    $all(".example-row:not(.is-removed)", rowsBox).forEach(function (row) {
      var p = row.dataset.prefix;
      var context = words(valueOf(p + "-context"));
      setCount(p + "-context", context);
      if (grounded) { all += context; }
      [1, 2, 3].forEach(function (n) {
        var pair = words(valueOf(p + "-question_" + n)) + words(valueOf(p + "-answer_" + n));
        setCount(p + "-qa_" + n, pair);
        if (n === 1 || form.dataset.kind === "knowledge") { all += pair; }
      });
    });
    setCount("total", all);
  }

  // --- Live validation ---------------------------------------------------------------------------------
  function rowOf(name) { var m = /^ex-(\d+)-/.exec(name); return m ? "ex-" + m[1] : null; }
  function visible(field) {
    if (showAll) { return true; }
    if (touched[field]) { return true; }
    var row = rowOf(field) || (/^ex-\d+$/.test(field) ? field : null);
    if (row && touched[row]) { return true; }
    if (field === "examples") { return touched.examples; }
    if (field === "attribution" || field === "documents") { return touched.attribution; }
    return false;
  }
  function render(body) {
    $all(".field-messages", form).forEach(function (slot) { slot.textContent = ""; });
    $all(".field--invalid", form).forEach(function (el) { el.classList.remove("field--invalid"); });
    $all("[aria-invalid]", form).forEach(function (el) { el.removeAttribute("aria-invalid"); });
    function place(item, severity) {
      if (!visible(item.field)) { return; }
      var slot = document.getElementById("msg-" + item.field) || document.getElementById("msg-__all__");
      var p = document.createElement("p");
      p.className = severity;
      p.textContent = item.message + (item.fix ? " " + item.fix : "");
      slot.appendChild(p);
      var input = form.elements[item.field];
      if (input && severity === "error" && input.setAttribute) {
        input.setAttribute("aria-invalid", "true");
        var wrap = input.closest ? input.closest(".field") : null;
        if (wrap) { wrap.classList.add("field--invalid"); }
      }
    }
    body.errors.forEach(function (item) { place(item, "error"); });
    body.warnings.forEach(function (item) { place(item, "warning"); });
    $("#preview-qna").textContent = body.qna_yaml;
    $("#preview-attribution").textContent = body.attribution_txt;
    var status = $("#validation-status");
    if (body.build_error) { status.textContent = body.build_error; }
    else if (body.valid) { status.textContent = "The files pass validation."; }
    else { status.textContent = body.errors.length + " problem" + (body.errors.length === 1 ? "" : "s") + " to fix before opening."; }
    status.classList.toggle("is-valid", body.valid);
    form.dataset.valid = body.valid ? "1" : "0";
  }
  function validate() {
    var data = new FormData(form);
    data.delete("documents");
    data.delete("intent");
    var files = form.elements.documents;
    if (files && files.files) {
      Array.prototype.forEach.call(files.files, function (file) { data.append("document_names", file.name); });
    }
    var mine = ++sequence;
    form.dataset.validating = "1";
    fetch(form.dataset.validateUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": valueOf("csrfmiddlewaretoken"), "X-Requested-With": "fetch" }
    })
      .then(function (response) { return response.json(); })
      .then(function (body) { if (mine === sequence) { render(body); form.dataset.validating = "0"; } })
      .catch(function () { form.dataset.validating = "0"; });
  }
  function validateSoon(delay) {
    clearTimeout(timer);
    timer = setTimeout(validate, delay === undefined ? 400 : delay);
  }
  function noteTouched(name, settled) {
    if (!name) { return; }
    touched[name] = true;
    var row = rowOf(name);
    if (row && settled) { touched[row] = true; touched.examples = true; }
    if (/^(title_of_work|link_to_work|revision|license_of_the_work|creator_names|documents|document_patterns)$/.test(name) && settled) {
      touched.attribution = true;
    }
  }
  form.addEventListener("input", function (event) {
    var target = event.target;
    noteTouched(target.name, false);
    if (target.name === "kind") { syncKind(); }
    countWords();
    validateSoon();
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    noteTouched(target.name, true);
    if (target.name === "kind") { syncKind(); countWords(); }
    validateSoon(100);
  });

  countWords();
  var start = Number(form.dataset.startStep || 1);
  var firstInvalid = $(".field--invalid, .field-messages:not(:empty)", form);
  if (firstInvalid && firstInvalid.closest(".step")) { start = Number(firstInvalid.closest(".step").dataset.step); }
  showStep(start);
  if (form.dataset.validateNow) { showAll = true; validateSoon(0); }
})();
