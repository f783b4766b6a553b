/* Report pages: charts from the JSON blocks beside each data table, the copy button of the
   year-end summary, and printing. No inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  var COLORS = ["#b3261e", "#1d4f91", "#8a8f98", "#1e7a3c", "#8a5a00"];
  var FILLS = ["#b3261ecc", "#1d4f9199", "#c9ced6", "#1e7a3c99", "#8a5a0099"];

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (error) { return null; }
  }

  function seriesChart(canvas, data) {
    var line = data.type === "line";
    var datasets = data.datasets.map(function (set, i) {
      return {
        label: set.label, data: set.data,
        backgroundColor: line ? COLORS[i % COLORS.length] : FILLS[i % FILLS.length],
        borderColor: COLORS[i % COLORS.length], borderWidth: line ? 2 : 1,
        tension: 0.2, pointRadius: line ? 3 : 0, spanGaps: true,
        // Side by side, the later (larger) series sit behind the earlier ones.
        grouped: true
      };
    });
    return new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        indexAxis: !line && data.horizontal ? "y" : "x",
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        scales: {
          x: { stacked: !!data.stacked, beginAtZero: true, ticks: { precision: 0, autoSkip: false } },
          y: { stacked: !!data.stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  function scatterChart(canvas, data) {
    return new window.Chart(canvas, {
      type: "scatter",
      data: { datasets: [{ label: data.y_label, data: data.points, backgroundColor: FILLS[0], borderColor: COLORS[0], pointRadius: 4 }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) {
            var p = ctx.raw; return p.label + "：" + data.label + " " + p.x + "，" + data.y_label + " " + p.y;
          } } }
        },
        scales: {
          x: { min: 0, max: 1, title: { display: true, text: data.label } },
          y: { suggestedMin: -0.2, suggestedMax: 1, title: { display: true, text: data.y_label } }
        }
      }
    });
  }

  var charts = [];

  function drawCharts() {
    if (!window.Chart) return;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
      var data = readData(figure.getAttribute("data-chart"));
      var canvas = figure.querySelector("canvas");
      if (!data || !canvas) return;
      var empty = data.type === "scatter" ? !data.points.length : !data.labels.length;
      if (empty) { figure.classList.add("chart-empty"); return; }
      if (data.horizontal && data.labels.length > 8) figure.classList.add("chart-tall");
      charts.push(data.type === "scatter" ? scatterChart(canvas, data) : seriesChart(canvas, data));
    });
  }

  function resizeCharts() {
    charts.forEach(function (chart) { chart.resize(); });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http on an intranet has no async clipboard: fall back to a selected textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "copy-buffer";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  function summaryText(node) {
    return Array.prototype.map.call(node.querySelectorAll("p"), function (p) {
      return p.textContent.replace(/\s+/g, " ").replace(/\s*([，。、；：（）])\s*/g, "$1").trim();
    }).join("\n");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      var status = document.querySelector("[data-role=copy-status]");
      if (!target) return;
      var text = summaryText(target);
      copyText(text).then(function () {
        if (status) status.textContent = button.getAttribute("data-copied");
        button.setAttribute("data-copied-text", text);
      }, function () {
        if (status) status.textContent = button.getAttribute("data-copy-failed");
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      });
      return;
    }
    if (event.target.closest(".js-print")) window.print();
  });

  window.addEventListener("beforeprint", resizeCharts);
  window.addEventListener("afterprint", resizeCharts);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawCharts);
  else drawCharts();
})();
