/* My progress: draws the accuracy-per-module chart with the vendored Chart.js from the JSON
   block the page carries (no inline scripts: the CSP forbids them). The table beside the
   chart holds the same figures, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("accuracy-data");
    var canvas = document.getElementById("accuracy-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    var styles = getComputedStyle(document.documentElement);
    var red = (styles.getPropertyValue("--red") || "#b3261e").trim();
    var ok = (styles.getPropertyValue("--ok") || "#1e7a3c").trim();
    var box = canvas.parentNode;
    box.classList.add("is-drawn");
    box.style.height = (48 + 34 * data.labels.length) + "px";
    // Long module names would squeeze the bars on a phone: shorten the axis labels there (the
    // table beside the chart and the tooltip keep the full names).
    var room = box.clientWidth < 520 ? 7 : 16;
    var short = data.labels.map(function (label) {
      return label.length > room ? label.slice(0, room - 1) + "…" : label;
    });
    var colours = data.values.map(function (v) { return v >= 60 ? ok : red; });
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: short, datasets: [{ label: data.label, data: data.values, backgroundColor: colours,
                                                borderRadius: 4, maxBarThickness: 28, minBarLength: 3 }] },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
                  y: { ticks: { autoSkip: false } } },
        plugins: { legend: { display: false },
                   tooltip: { callbacks: { title: function (items) { return data.labels[items[0].dataIndex]; },
                                           label: function (c) { return c.parsed.x + "%"; } } } }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
