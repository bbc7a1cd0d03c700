// On-time rates of online public services: decisions on time and late per procedure and office.
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("eservices-on-time");
    var source = document.getElementById("eservices-on-time-data");
    if (!canvas || !source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.legend[0], data: data.on_time, backgroundColor: "#00703c" },
          { label: data.legend[1], data: data.late, backgroundColor: "#d4351c" }
        ]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
