// Small progressive enhancements. Every page works without this file.
(function () {
  function currentTheme() { return document.documentElement.getAttribute("data-bs-theme") || "light"; }

  function syncToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    var dark = currentTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.querySelector(".theme-toggle-label").textContent = dark ? "Light mode" : "Dark mode";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#theme-toggle");
    if (!button) return;
    var next = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.setAttribute("data-bs-theme", next);
    try { localStorage.setItem("academy-theme", next); } catch (e) { /* private mode */ }
    syncToggle();
  });

  // Copy buttons: <button data-copy-target="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // htmx swaps in fresh server markup when a request fails; tell the reader instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    if (target && event.detail.xhr && event.detail.xhr.status >= 500) {
      target.insertAdjacentHTML("afterbegin",
        '<div class="alert alert-danger" role="alert">Something went wrong on our side. Your work is saved; please try again.</div>');
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var target = event.detail.target;
    if (target) {
      target.insertAdjacentHTML("afterbegin",
        '<div class="alert alert-warning" role="alert">You seem to be offline. Nothing was lost; try again when you are back.</div>');
    }
  });

  // The lab builder autosaves on every change. Number the edits of this page so the server can tell a
  // late autosave from the learner's newer submit (see labs.views._is_stale).
  function bumpEdit(event) {
    var form = event.target.closest && event.target.closest("form");
    var seq = form && form.querySelector("input.edit-seq");
    if (seq) seq.value = String((parseInt(seq.value, 10) || 0) + 1);
  }
  document.addEventListener("change", bumpEdit, true);

  document.addEventListener("DOMContentLoaded", syncToggle);
})();

// Lab builder: mark the inputs the current findings are about, so a learner sees where to look.
(function () {
  function markFields() {
    document.querySelectorAll("[aria-invalid][data-marked]").forEach(function (el) {
      el.removeAttribute("aria-invalid"); el.removeAttribute("data-marked"); el.classList.remove("field-flagged");
    });
    document.querySelectorAll(".finding-error[data-field], .finding-warning[data-field]").forEach(function (finding) {
      var input = document.getElementById(finding.getAttribute("data-field"));
      if (!input) return;
      input.classList.add("field-flagged");
      if (finding.classList.contains("finding-error")) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("data-marked", "1");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markFields);
  document.addEventListener("htmx:afterSettle", markFields);
})();

// Lab builder: "Add a route" adds a blank row at once (Django's formset pattern); without JavaScript the
// same button saves and comes back with one more row.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-route]");
    if (!button) return;
    var prefix = button.getAttribute("data-add-route");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById("route-row-template");
    var rows = document.querySelector(".route-rows");
    if (!total || !template || !rows) return;
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var input = document.getElementById("id_" + prefix + "-" + index + "-key");
    if (input) input.focus();
  });
})();
