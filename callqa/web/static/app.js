// callqa console: draw the dashboard charts, jump from evidence to the transcript, seek audio.
// No inline scripts (CSP); chart specs come from <script type="application/json" id="chart-data">.
(function () {
  "use strict";

  function drawCharts() {
    var holder = document.getElementById("chart-data");
    if (!holder || typeof window.Plotly === "undefined") return;
    var specs = JSON.parse(holder.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = specs[el.getAttribute("data-chart")];
      if (!spec) return;
      window.Plotly.newPlot(el, spec.data, spec.layout, { displayModeBar: false, responsive: true });
    });
  }

  function seek(t) {
    var audio = document.getElementById("audio");
    if (!audio || t === null || t === undefined || isNaN(t)) return;
    audio.currentTime = Math.max(0, t - 0.5);
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {});
  }

  function highlight(id, t) {
    var target = document.getElementById(id);
    if (!target) return;
    document.querySelectorAll(".flash-target").forEach(function (el) { el.classList.remove("flash-target"); });
    target.classList.add("flash-target");
    target.scrollIntoView({ behavior: "smooth", block: "center" });
    if (history.replaceState) history.replaceState(null, "", "#" + id);
    if (t === undefined) t = parseFloat(target.getAttribute("data-t"));
    seek(t);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.ev-link[data-target]");
    if (link) {
      event.preventDefault();
      var t = link.hasAttribute("data-t") ? parseFloat(link.getAttribute("data-t")) : undefined;
      highlight(link.getAttribute("data-target"), t);
      return;
    }
    var tag = event.target.closest("a.tag[href^='#cp-']");
    if (tag) {
      event.preventDefault();
      highlight(tag.getAttribute("href").slice(1), null);
      return;
    }
    var time = event.target.closest("[data-seek]");
    if (time) seek(parseFloat(time.getAttribute("data-seek")));
  });

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    if (location.hash.length > 1) {
      var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (el) el.classList.add("flash-target");
    }
  });
})();
