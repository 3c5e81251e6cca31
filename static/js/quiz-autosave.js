// Answer forms on the attempt page. The page works without this file (every form is a plain POST and
// the server asks before a submit with unanswered questions); with it:
//  - exam answers save on every change (htmx, see attempt.html) and this file shows the state,
//  - leaving the page while a choice is not saved yet asks first (beforeunload),
//  - "Submit" waits for the last saves and tells the server which changes it never received.
(function () {
  var ANSWER_FORMS = "form[data-answer]";
  var leaving = false;

  function forms() { return Array.prototype.slice.call(document.querySelectorAll(ANSWER_FORMS)); }
  function unsaved() { return forms().filter(function (form) { return form.hasAttribute("data-unsaved"); }); }
  function busy() { return forms().some(function (form) { return form.classList.contains("htmx-request"); }); }
  function statusOf(form) { return document.getElementById(form.getAttribute("data-status") || ""); }

  function say(form, state, text) {
    var status = statusOf(form);
    if (!status) return;
    var span = document.createElement("span");
    span.setAttribute("data-state", state);
    span.className = "text-body-secondary";
    span.textContent = text;
    status.replaceChildren(span);
  }

  // Capturing listeners run before htmx's own (on the form), so the edit is counted before it is sent.
  function edited(event) {
    var form = event.target.closest && event.target.closest(ANSWER_FORMS);
    if (!form) return;
    form._edits = (form._edits || 0) + 1;
    form.setAttribute("data-unsaved", "");
    if (event.type === "input" && event.target.type === "text" && form.hasAttribute("data-autosave")) {
      say(form, "unsaved", "Not saved yet: press Enter or move on to save.");
    }
  }
  document.addEventListener("input", edited, true);
  document.addEventListener("change", edited, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches(ANSWER_FORMS)) return;
    form._sent = form._edits || 0;
    if (form.hasAttribute("data-autosave")) say(form, "saving", "Saving…");
  });

  document.addEventListener("htmx:beforeOnLoad", function (event) {
    // HX-Redirect (time is up): the server has ended the attempt, nothing here can be saved any more.
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) leaving = true;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches(ANSWER_FORMS) || !form.hasAttribute("data-autosave")) return;
    var status = statusOf(form);
    var state = status && status.querySelector("[data-state]");
    if (!event.detail.successful) {
      if (!status.querySelector(".alert")) say(form, "error", "Not saved: we could not reach the server. Try again.");
      return;
    }
    // Saved, and nothing changed while the request was on its way: the server has what the page shows.
    if (state && state.getAttribute("data-state") === "saved" && form._sent === (form._edits || 0)) {
      form.removeAttribute("data-unsaved");
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (leaving || (!unsaved().length && !busy())) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to show their "leave this page?" prompt
  });

  function whenIdle(done) {
    var waited = 0, quiet = 0;
    (function check() {
      quiet = busy() ? 0 : quiet + 1;  // twice idle in a row: a queued save starts between requests
      if (quiet >= 2 || waited > 15000) return done();
      waited += 100;
      setTimeout(check, 100);
    })();
  }

  function sendSubmit(form) {
    var field = form.querySelector("input[name=unsaved]");
    if (field) {
      field.value = unsaved().map(function (f) { return f.getAttribute("data-question"); }).join(",");
    }
    leaving = true;
    HTMLFormElement.prototype.submit.call(form);
  }

  // Submitting the attempt: first send the exam answers still waiting (a number typed but not yet
  // confirmed), then let the server decide whether to ask "submit anyway?".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-attempt]")) return;
    event.preventDefault();
    var waiting = unsaved().filter(function (f) {
      return f.hasAttribute("data-autosave") && !f.classList.contains("htmx-request");
    });
    waiting.forEach(function (f) {
      if (f.requestSubmit) f.requestSubmit(); else htmx.trigger(f, "submit");
    });
    // requestSubmit dispatches synchronously, but htmx may queue: give it a tick before waiting.
    setTimeout(function () { whenIdle(function () { sendSubmit(form); }); }, waiting.length ? 50 : 0);
  });
})();
