// A countdown beside a timed attempt. The server enforces the deadline; this only informs.
(function () {
  var time = document.querySelector("time.deadline");
  var out = document.querySelector(".countdown");
  if (!time || !out) return;
  var deadline = new Date(time.getAttribute("data-deadline")).getTime();
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60), seconds = left % 60;
    out.textContent = left ? "(" + minutes + " min " + (seconds < 10 ? "0" : "") + seconds + " s left)" : "(time is up)";
    if (left) setTimeout(tick, 1000);
  }
  tick();
})();
