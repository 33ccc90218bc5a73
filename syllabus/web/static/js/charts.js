/* Dashboard charts. Loaded with `defer` after Chart.js; no inline code (CSP-safe).
 *
 * Every <canvas data-chart="ID"> is drawn from the JSON in <script
 * type="application/json" id="ID">: {title, kind: "bar"|"line", labels, values}.
 * The same numbers are in the page's table, so the page reads fine without it.
 */
(function () {
  "use strict";

  function cssColor(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    return (value && value.trim()) || fallback;
  }

  function readData(id) {
    var source = document.getElementById(id);
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent || "null");
    } catch (error) {
      return null;
    }
  }

  function draw(canvas) {
    var data = readData(canvas.getAttribute("data-chart"));
    if (!data || !window.Chart) {
      return;
    }
    var primary = cssColor("--color-primary", "#4338ca");
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var chart = new window.Chart(canvas, {
      type: data.kind === "line" ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.title,
            data: data.values,
            backgroundColor: primary,
            borderColor: primary,
            borderWidth: data.kind === "line" ? 2 : 0,
            pointRadius: data.kind === "line" ? 2 : 0,
            fill: false,
            tension: 0.2,
          },
        ],
      },
      options: {
        animation: reduced ? false : { duration: 300 },
        maintainAspectRatio: false,
        responsive: true,
        plugins: { legend: { display: false } },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    canvas.setAttribute("data-chart-drawn", "true");
    return chart;
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
