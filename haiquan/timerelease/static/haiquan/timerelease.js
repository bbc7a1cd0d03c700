// Time-release dashboard charts: the data comes from the page's json_script element.
(function () {
  "use strict";

  function partyColours(keys) {
    return keys.map(function (k) { return window.haiquanColour("party", k); });
  }

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
          datasets: [{ data: data.parties.values, backgroundColor: partyColours(data.parties.keys) }]
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
          datasets: [{ data: data.steps.values, backgroundColor: partyColours(data.steps.parties) }]
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
