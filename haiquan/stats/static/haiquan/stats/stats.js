/* The statistics dashboard's charts (Chart.js, shipped), drawn from the json_script data. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  var colour = window.haiquanColour;
  var GREEN = colour("lane", "green"), RED = colour("lane", "red");
  var BLUE = colour("year", "current"), GREY = colour("year", "previous"), DARK = "#0b0c0c";
  var LIGHT = "rgba(29, 112, 184, 0.35)";

  function number(locale) {
    var fmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    return function (v) { return fmt.format(v); };
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    return new window.Chart(canvas, config);
  }

  ready(function () {
    var source = document.getElementById("stats-chart-data");
    if (!source || !window.Chart) { return; }
    var d = JSON.parse(source.textContent);
    var locale = document.documentElement.lang || "vi";
    var fmt = number(locale);
    // The month under way (its label ends in "*", a note says so) is drawn lighter / dashed.
    var partial = d.partial === null || d.partial === undefined ? -1 : d.partial;
    function thisYear(c) {
      return d.labels.map(function (_l, i) { return i === partial ? LIGHT : c; });
    }
    var partialSegment = { borderDash: function (ctx) { return ctx.p1DataIndex === partial ? [6, 4] : undefined; } };
    var axis = { ticks: { precision: 0, callback: function (v) { return fmt(v); } }, beginAtZero: true };

    draw("chart-declarations", {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.text.last_year, data: d.series.declarations_last_year, backgroundColor: GREY },
          { label: d.text.this_year, data: d.series.declarations, backgroundColor: thisYear(BLUE) }
        ]
      },
      options: { scales: { y: axis } }
    });

    draw("chart-value", {
      type: "line",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.text.last_year, data: d.series.value_usd_last_year, borderColor: GREY, backgroundColor: GREY },
          { label: d.text.this_year, data: d.series.value_usd, borderColor: BLUE, backgroundColor: BLUE, segment: partialSegment }
        ]
      },
      options: { scales: { y: axis } }
    });

    var revenue = [
      { label: d.text.last_year, data: d.series.revenue_cumulative_last_year, borderColor: GREY, backgroundColor: GREY },
      { label: d.text.this_year, data: d.series.revenue_cumulative, borderColor: GREEN, backgroundColor: GREEN, segment: partialSegment }
    ];
    var dashes = [[6, 4], [2, 3], [10, 3, 2, 3]];
    d.targets.forEach(function (t, i) {
      revenue.push({
        label: t.label,
        data: d.labels.map(function () { return t.amount; }),
        borderColor: i === 0 ? RED : DARK,
        borderDash: dashes[i % dashes.length],
        pointRadius: 0,
        fill: false
      });
    });
    draw("chart-revenue", { type: "line", data: { labels: d.labels, datasets: revenue }, options: { scales: { y: axis } } });

    draw("chart-lanes", {
      type: "doughnut",
      data: {
        labels: d.lanes.labels,
        datasets: [{ data: d.lanes.values, backgroundColor: d.lanes.keys.map(function (k) { return colour("lane", k); }) }]
      }
    });

    [["chart-chapters", d.chapters], ["chart-countries", d.countries]].forEach(function (pair) {
      draw(pair[0], {
        type: "bar",
        data: { labels: pair[1].labels, datasets: [{ label: d.text.value_usd, data: pair[1].values, backgroundColor: BLUE }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: axis } }
      });
    });
  });
})();
