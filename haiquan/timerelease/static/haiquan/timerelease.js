// Time-release dashboard charts: the data comes from the page's json_script element.
(function () {
  "use strict";

  var PALETTE = ["#1d70b8", "#f47738", "#00703c", "#912b88", "#b58840", "#5694ca", "#d4351c", "#505a5f", "#28a197", "#6f72af"];

  function draw() {
    var source = document.getElementById("tr-chart-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var percent = function (ctx) {
      return ctx.label + ": " + ctx.parsed + "%";
    };
    var parties = document.getElementById("tr-parties");
    if (parties) {
      new window.Chart(parties, {
        type: "doughnut",
        data: {
          labels: data.parties.labels,
          datasets: [{ data: data.parties.values, backgroundColor: PALETTE }]
        },
        options: { aspectRatio: 1.6, plugins: { tooltip: { callbacks: { label: percent } } } }
      });
    }
    var steps = document.getElementById("tr-steps");
    if (steps) {
      new window.Chart(steps, {
        type: "bar",
        data: {
          labels: data.steps.labels,
          datasets: [{ data: data.steps.values, backgroundColor: PALETTE }]
        },
        options: {
          indexAxis: "y",
          aspectRatio: 1.6,
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return v + "%"; } } } }
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
