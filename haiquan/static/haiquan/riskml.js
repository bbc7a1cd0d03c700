// Risk model page: precision at each inspection rate, per way of selecting declarations.
(function () {
  "use strict";
  var colours = ["#1d70b8", "#00703c", "#f47738", "#505a5f"];
  function draw() {
    var canvas = document.getElementById("riskml-precision");
    var source = document.getElementById("riskml-precision-data");
    if (!canvas || !source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "%" } } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
