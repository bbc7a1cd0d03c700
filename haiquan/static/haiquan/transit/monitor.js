/* The transit monitoring desk: draws the movements in transit on a Leaflet map and refreshes
   them every few seconds from the JSON feed (/api/v1/transit/monitor), asking only for what is
   new (`since`). Under them, the base layer shipped with haiquan (land, borders, coast,
   provinces and towns of the installation's country, a gzip'd GeoJSON: nothing is fetched
   from elsewhere), or a configured tile server. No inline script (CSP); every text (tooltips,
   labels, lists) is inserted as text, never as HTML: a vehicle plate is what a trader typed. */
(function () {
  "use strict";

  var root = document.getElementById("transit-map");
  if (!root || !window.L) { return; }
  var L = window.L;
  var data = root.dataset;
  var every = Math.max(2, parseInt(data.every || "5", 10)) * 1000;
  var statusEl = document.getElementById("transit-status");
  var alertsEl = document.getElementById("transit-alerts");
  var listEl = document.getElementById("transit-list");

  var map = L.map(root, {
    attributionControl: Boolean(data.tiles || data.basemap), worldCopyJump: false, maxZoom: 14
  });
  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 18 }).addTo(map);
  }
  map.setView([21.2, 107.4], 9);

  function text(className, value) {
    var el = document.createElement("span");
    el.className = className;
    el.textContent = value;
    return el;
  }

  // The base layer: drawn under everything, never answering clicks.
  map.createPane("basemap").style.zIndex = 150;
  map.createPane("basemapLabels").style.zIndex = 350;
  var towns = L.layerGroup().addTo(map);
  var places = [];

  function showTowns() {
    var z = map.getZoom();
    var least = z >= 11 ? 0 : z >= 10 ? 8000 : z >= 9 ? 30000 : z >= 8 ? 100000 : z >= 7 ? 300000 : 1000000;
    towns.clearLayers();
    places.forEach(function (p) { if (p.population >= least) { towns.addLayer(p.marker); } });
  }

  function drawBasemap(collection) {
    L.geoJSON(collection, {
      pane: "basemap",
      interactive: false,
      filter: function (f) { return f.properties.layer !== "place"; },
      style: function (f) {
        if (f.properties.layer === "land") {
          return f.properties.home
            ? { color: "#6f777b", weight: 1.4, fillColor: "#fbfaf4", fillOpacity: 1 }
            : { color: "#6f777b", weight: 1.4, fillColor: "#e8e6dc", fillOpacity: 1 };
        }
        return { color: "#a5a29a", weight: 0.8, dashArray: "4 3", fill: false };
      }
    }).addTo(map);
    collection.features.forEach(function (f) {
      if (f.properties.layer !== "place") { return; }
      var c = f.geometry.coordinates;
      var label = document.createElement("div");
      label.className = "transit-town";
      label.appendChild(text("transit-town__dot", ""));
      label.appendChild(text("transit-town__name", f.properties.name));
      places.push({
        population: f.properties.population,
        marker: L.marker([c[1], c[0]], {
          pane: "basemapLabels",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({ className: "transit-town-icon", html: label, iconSize: null })
        })
      });
    });
    if (collection.attribution) { map.attributionControl.addAttribution(collection.attribution); }
    root.classList.add("transit-map--based");
    showTowns();
  }

  // The file is gzip'd; a server may already have unzipped it on the way (Content-Encoding).
  function unzipped(buffer) {
    var head = new Uint8Array(buffer, 0, 2);
    if (head[0] !== 0x1f || head[1] !== 0x8b) { return new Response(buffer).json(); }
    var stream = new Blob([buffer]).stream().pipeThrough(new window.DecompressionStream("gzip"));
    return new Response(stream).json();
  }

  map.on("zoomend", showTowns);
  if (data.basemap && window.DecompressionStream) {
    fetch(data.basemap, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.arrayBuffer();
      })
      .then(unzipped)
      .then(drawBasemap)
      .catch(function () { root.classList.remove("transit-map--based"); });
  }

  var layers = {};   // reference → {group, route, corridor, track, markers}
  var since = null;
  var fitted = false;

  function colour(m) {
    if (m.alerts.some(function (a) { return a.high; })) { return "#d4351c"; }
    if (m.alerts.length) { return "#f47738"; }
    return "#1d70b8";
  }

  function urlFor(template, value) {
    return template.replace(/0\/$/, value + "/").replace("REF", encodeURIComponent(value));
  }

  function ensure(m) {
    var entry = layers[m.reference];
    if (entry) { return entry; }
    if (!m.route) { return null; }   // known only from a full answer: ask for one
    var group = L.featureGroup().addTo(map);
    entry = {
      group: group,
      corridor: m.corridor ? L.geoJSON(m.corridor, { style: { color: "#1d70b8", weight: 1, opacity: 0.4, fillOpacity: 0.06 }, interactive: false }).addTo(group) : null,
      route: L.geoJSON(m.route, { style: { color: "#505a5f", weight: 2, dashArray: "6 4" }, interactive: false }).addTo(group),
      track: L.polyline([], { color: "#1d70b8", weight: 3, opacity: 0.8 }).addTo(group),
      markers: {}
    };
    layers[m.reference] = entry;
    return entry;
  }

  function update(m, entry) {
    if (m.route) {
      entry.track.setLatLngs(m.track || []);   // a full answer: the whole recent track
    } else if (m.track && m.track.length) {
      m.track.forEach(function (p) { entry.track.addLatLng(p); });
    }
    entry.track.setStyle({ color: colour(m) });
    m.containers.forEach(function (c) {
      if (c.lat === null || c.lon === null) { return; }
      var marker = entry.markers[c.number];
      if (!marker) {
        marker = L.circleMarker([c.lat, c.lon], { radius: 7, weight: 2, fillOpacity: 0.9 }).addTo(entry.group);
        entry.markers[c.number] = marker;
      }
      marker.setLatLng([c.lat, c.lon]);
      marker.setStyle({ color: "#0b0c0c", fillColor: colour(m) });
      var tip = m.reference + " · " + c.number + (m.vehicle ? " · " + m.vehicle : "") +
        (c.speed_kmh !== null ? " · " + c.speed_kmh + " km/h" : "") +
        (c.battery !== null ? " · " + Math.round(c.battery) + "%" : "");
      // An element, not a string: Leaflet puts a string in as HTML.
      marker.unbindTooltip().bindTooltip(text("transit-tip", tip));
    });
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function renderLists(feed) {
    var alerts = [];
    listEl.replaceChildren();
    feed.movements.forEach(function (m) {
      var li = document.createElement("li");
      li.appendChild(link(urlFor(data.movementUrl, m.reference), m.reference));
      li.appendChild(document.createTextNode(" " + m.state_label + " · " + m.from + " → " + m.to +
        (m.vehicle ? " · " + m.vehicle : "") + (m.late ? " · ⏰" : "")));
      listEl.appendChild(li);
      alerts = alerts.concat(m.alerts);
    });
    alertsEl.replaceChildren();
    alerts.sort(function (a, b) { return (b.high - a.high) || (a.raised_at < b.raised_at ? 1 : -1); });
    alerts.forEach(function (a) {
      var li = document.createElement("li");
      if (a.high) { li.className = "transit-alert--high"; }
      li.appendChild(link(urlFor(data.alertUrl, a.id), a.kind_label));
      li.appendChild(document.createTextNode(" " + a.message));
      alertsEl.appendChild(li);
    });
  }

  function render(feed) {
    var seen = {};
    var missing = false;
    feed.movements.forEach(function (m) {
      seen[m.reference] = true;
      var entry = ensure(m);
      if (entry) { update(m, entry); } else { missing = true; }
    });
    Object.keys(layers).forEach(function (ref) {
      if (!seen[ref]) { map.removeLayer(layers[ref].group); delete layers[ref]; }
    });
    renderLists(feed);
    if (!fitted && Object.keys(layers).length) {
      var bounds = L.latLngBounds([]);
      Object.keys(layers).forEach(function (ref) { bounds.extend(layers[ref].group.getBounds()); });
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20] }); fitted = true; }
    }
    var time = new Date(feed.generated_at).toLocaleTimeString();
    statusEl.textContent = feed.movements.length + " " + data.labelMovements + " · " +
      feed.open_alerts + " " + data.labelAlerts + " · " + data.labelUpdated + " " + time;
    // A movement we have no geometry for: the next answer must be a full one.
    since = missing ? null : feed.generated_at;
  }

  function poll() {
    var url = data.feed + (since ? "?since=" + encodeURIComponent(since) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(render)
      .catch(function () { statusEl.textContent = data.labelError; })
      .then(function () { window.setTimeout(poll, every); });
  }

  poll();
}());
