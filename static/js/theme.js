// Runs in <head> before the page paints, so a dark-mode reader never sees a white flash.
(function () {
  var stored = null;
  try { stored = localStorage.getItem("academy-theme"); } catch (e) { /* private mode */ }
  var prefersDark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-bs-theme", stored || (prefersDark ? "dark" : "light"));
})();
