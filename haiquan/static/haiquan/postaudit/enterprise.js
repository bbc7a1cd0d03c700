// The enterprise risk page's charts: customs value and declarations by month, and lanes by
// month. Data comes from the json_script element "enterprise-history" (no inline script: CSP).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("enterprise-history");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var value = document.getElementById("chart-value");
    if (value) {
      new window.Chart(value, {
        data: {
          labels: data.labels,
          datasets: [
            { type: "bar", label: data.text.value, data: data.value, yAxisID: "y",
              backgroundColor: "#5694ca" },
            { type: "line", label: data.text.declarations, data: data.declarations,
              yAxisID: "y1", borderColor: "#0b3d63", backgroundColor: "#0b3d63" }
          ]
        },
        options: {
          responsive: true,
          animation: false,
          scales: {
            y: { beginAtZero: true, position: "left" },
            y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } }
          }
        }
      });
    }
    var lanes = document.getElementById("chart-lanes");
    if (lanes) {
      new window.Chart(lanes, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: data.text.green, data: data.green, backgroundColor: window.haiquanColour("lane", "green") },
            { label: data.text.yellow, data: data.yellow, backgroundColor: window.haiquanColour("lane", "yellow") },
            { label: data.text.red, data: data.red, backgroundColor: window.haiquanColour("lane", "red") }
          ]
        },
        options: {
          responsive: true,
          animation: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
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
