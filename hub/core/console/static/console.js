// The console's own script (no framework): live import progress over server-sent events,
// and confirmation of destructive forms. Pages work without it.
(function () {
  function follow(box) {
    if (box.dataset.following) return;
    box.dataset.following = "1";
    var source = new EventSource(box.dataset.events);
    var set = function (id, text) { var el = box.querySelector("#" + id); if (el) el.textContent = text; };
    source.addEventListener("progress", function (ev) {
      var p = JSON.parse(ev.data);
      var bar = box.querySelector("#bar");
      if (p.available !== null) { bar.max = Math.max(p.available, 1); set("available", p.available); }
      bar.value = p.read;
      set("read", p.read); set("status", p.status); set("summary", p.summary || "");
      if (p.run_id) {
        var run = box.querySelector("#run");
        run.textContent = "";
        var a = document.createElement("a"); a.href = "/runs/" + p.run_id; a.textContent = "run " + p.run_id;
        run.appendChild(a);
      }
    });
    source.addEventListener("done", function () { source.close(); box.dataset.finished = "1"; });
  }
  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-events]").forEach(follow);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (ev) { init(ev.target); });
  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { ev.preventDefault(); ev.stopImmediatePropagation(); }
  }, true);
})();
