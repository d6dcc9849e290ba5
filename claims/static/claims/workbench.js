/* The ticket page's workbench: the map, sorting and filtering the evidence rows, the unsaved-changes
 * guard, and the live status poll. Data comes from data attributes (no inline script). */
(function () {
  "use strict";

  var COLOURS = {
    claim: "#e65100",
    geocoded_place: "#6a1b9a",
    satellite_scene: "#1565c0",
    in_window: "#d32f2f",
    outside_window: "#f9a825",
    other: "#455a64",
  };

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // --- map -----------------------------------------------------------------------------------------

  function featureColour(props) {
    if (props.kind === "claim") return COLOURS.claim;
    if (props.kind === "geocoded_place") return COLOURS.geocoded_place;
    if (props.kind === "satellite_scene") return COLOURS.satellite_scene;
    if (props.kind === "thermal_anomaly") {
      return props.in_window ? COLOURS.in_window : COLOURS.outside_window;
    }
    return COLOURS.other;
  }

  function featureStyle(feature) {
    var props = feature.properties || {};
    var colour = featureColour(props);
    if (props.kind === "claim") return { color: colour, weight: 3, fillOpacity: 0.08, dashArray: "6 4" };
    if (props.kind === "geocoded_place") return { color: colour, weight: 2, fillOpacity: 0.04, dashArray: "2 4" };
    if (props.kind === "satellite_scene") return { color: colour, weight: 1.5, fillOpacity: 0.05 };
    return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.8 };
  }

  function popupContent(props) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = props.title || (props.kind === "claim" ? "Claimed place" : props.kind || "");
    box.appendChild(title);
    var facts = [];
    if (props.observed_at) facts.push(props.observed_at.replace("T", " ").slice(0, 16) + " UTC");
    if (props.distance_km !== undefined && props.distance_km !== null) {
      facts.push(Number(props.distance_km).toFixed(1) + " km");
    }
    if (props.in_window === true) facts.push("in window");
    if (props.in_window === false) facts.push("outside the window");
    if (facts.length) {
      var line = document.createElement("div");
      line.textContent = facts.join(" · ");
      box.appendChild(line);
    }
    if (props.evidence_id) {
      var link = document.createElement("a");
      link.href = "#evidence-row-" + props.evidence_id;
      link.textContent = "show its row";
      box.appendChild(document.createElement("br"));
      box.appendChild(link);
    }
    return box;
  }

  function drawMap(element) {
    var status = document.getElementById("wb-map-status");
    if (typeof L === "undefined") {
      element.dataset.mapError = "Leaflet did not load";
      if (status) status.textContent = "The map library did not load.";
      return;
    }
    var map = L.map(element, { preferCanvas: false, zoomSnap: 0.5 });
    element.wbMap = map;
    var tiles = element.dataset.tilesUrl;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: element.dataset.tilesAttribution || "" }).addTo(map);
    } else {
      element.classList.add("wb-map-plain");
    }
    map.setView([20, 0], 2);
    fetch(element.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (collection) {
        var features = collection.features || [];
        var layer = L.geoJSON(collection, {
          style: featureStyle,
          pointToLayer: function (feature, latlng) {
            var props = feature.properties || {};
            var colour = featureColour(props);
            return L.circleMarker(latlng, {
              radius: props.kind === "claim" ? 8 : 6,
              color: "#ffffff",
              weight: 1.5,
              fillColor: colour,
              fillOpacity: 0.9,
            });
          },
          onEachFeature: function (feature, featureLayer) {
            featureLayer.bindPopup(popupContent(feature.properties || {}));
          },
        }).addTo(map);
        // Frame the claimed place and what lies near it; a scene's footprint (some 100 km wide)
        // would shrink the claim to a dot, so footprints frame the map only when nothing else does.
        var focus = L.featureGroup();
        layer.eachLayer(function (l) {
          if ((l.feature.properties || {}).kind !== "satellite_scene") focus.addLayer(l);
        });
        var bounds = focus.getLayers().length ? focus.getBounds() : layer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 13 });
        element.dataset.features = String(features.length);
        if (status) {
          var items = features.filter(function (f) { return f.properties && f.properties.evidence_id; }).length;
          status.textContent = items + " evidence item" + (items === 1 ? "" : "s") + " on the map" +
            (tiles ? "" : " (no tile server configured: plain background)") + ".";
        }
      })
      .catch(function (error) {
        element.dataset.mapError = error.message;
        if (status) status.textContent = "The map data could not be loaded (" + error.message + ").";
      });
  }

  // --- evidence rows: sort and filter ---------------------------------------------------------------

  function sortRows(order) {
    document.querySelectorAll("tbody.wb-group").forEach(function (group) {
      var rows = Array.prototype.slice.call(group.querySelectorAll("tr.wb-row"));
      function value(row) {
        if (order === "observed") return row.dataset.observed === "" ? Infinity : Number(row.dataset.observed);
        if (order === "distance") return row.dataset.distance === "" ? Infinity : Number(row.dataset.distance);
        return Number(row.dataset.rank);
      }
      rows.sort(function (a, b) { return value(a) - value(b); });
      rows.forEach(function (row) { group.appendChild(row); });
    });
  }

  function filterRows(stance) {
    document.querySelectorAll("tbody.wb-group").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll("tr.wb-row").forEach(function (row) {
        var select = row.querySelector("select");
        var current = select ? select.value : row.dataset.stance;
        var visible = !stance || current === stance;
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      group.hidden = shown === 0;
    });
  }

  // --- no lost work ----------------------------------------------------------------------------------

  function rowChanged(row) {
    var id = row.dataset.evidenceId;
    var select = row.querySelector('select[name="evidence-' + id + '-stance"]');
    var text = row.querySelector('textarea[name="evidence-' + id + '-summary"]');
    if (!select || !text) return false;
    var stanceWas = row.querySelector('input[name="evidence-' + id + '-stance-initial"]').value;
    var summaryWas = row.querySelector('input[name="evidence-' + id + '-summary-initial"]').value;
    return select.value !== stanceWas || text.value.replace(/\r\n/g, "\n") !== summaryWas.replace(/\r\n/g, "\n");
  }

  function otherFieldsChanged(form) {
    var changed = false;
    form.querySelectorAll("#add-evidence input, #add-evidence textarea, #add-evidence select, .wb-details select").forEach(function (field) {
      if (field.type === "hidden") return;
      if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.options, function (o) { if (o.selected !== o.defaultSelected) changed = true; });
      } else if (field.value !== field.defaultValue) {
        changed = true;
      }
    });
    return changed;
  }

  function guardUnsaved(form) {
    var submitting = false;
    var banner = document.getElementById("wb-unsaved");
    function dirty() {
      var rows = form.querySelectorAll("tr.wb-row");
      for (var i = 0; i < rows.length; i += 1) if (rowChanged(rows[i])) return true;
      return otherFieldsChanged(form);
    }
    function refresh() { if (banner) banner.hidden = !dirty(); }
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    refresh();
    form.addEventListener("submit", function () {
      submitting = true;
      // Post only the rows the user changed: a 500-row page stays far below the request limits.
      form.querySelectorAll("tr.wb-row").forEach(function (row) {
        if (!rowChanged(row)) {
          row.querySelectorAll("select, textarea, input").forEach(function (f) { f.disabled = true; });
        }
      });
    });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || !dirty()) return undefined;
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
  }

  // --- live status ---------------------------------------------------------------------------------

  function poll(root) {
    var url = root.dataset.statusUrl;
    var since = Number(root.dataset.latestEvidence || "0");
    var seen = {};
    function schedule(active) { window.setTimeout(tick, active ? 3000 : 30000); }
    function tick() {
      fetch(url + "?since=" + since, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
        .then(function (status) {
          update(status);
          schedule(status.active);
        })
        .catch(function () { schedule(false); });
    }
    function update(status) {
      status.jobs.forEach(function (job) {
        var row = document.querySelector('tr[data-job-id="' + job.id + '"]');
        if (!row) return;
        var cell = row.querySelector(".wb-job-status");
        cell.textContent = job.status.charAt(0).toUpperCase() + job.status.slice(1);
        cell.className = "wb-job-status status-" + job.status;
        row.querySelector(".wb-job-items").textContent = job.items_found;
        // The error, then each warning on its own line, as the page first drew them.
        var errorCell = row.querySelector(".wb-job-error");
        errorCell.textContent = job.last_error ? job.last_error.slice(0, 160) : "";
        (job.warnings || []).forEach(function (warning) {
          var line = document.createElement("div");
          line.className = "wb-muted";
          line.textContent = warning.slice(0, 160);
          errorCell.appendChild(line);
        });
      });
      Object.keys(status.stance_counts).forEach(function (stance) {
        var badge = document.querySelector('[data-stance-count="' + stance + '"]');
        if (badge) badge.textContent = badge.textContent.replace(/^\d+/, String(status.stance_counts[stance]));
      });
      var total = document.getElementById("wb-evidence-total");
      if (total) total.textContent = "(" + status.evidence_count + ")";
      var fresh = status.new_items.filter(function (item) { return !seen[item.id]; });
      if (!fresh.length) return;
      var list = document.getElementById("wb-new-list");
      fresh.forEach(function (item) {
        seen[item.id] = true;
        since = Math.max(since, item.id);
        var li = document.createElement("li");
        var label = item.kind + ": " + item.title + (item.distance ? " · " + item.distance : "");
        if (item.url) {
          var a = document.createElement("a");
          a.href = item.url;
          a.rel = "noopener noreferrer";
          a.textContent = label;
          li.appendChild(a);
        } else {
          li.textContent = label;
        }
        list.appendChild(li);
      });
      document.getElementById("wb-new").hidden = false;
    }
    tick();
  }

  onReady(function () {
    var root = document.getElementById("workbench");
    if (!root) return;
    var mapElement = document.getElementById("wb-map");
    if (mapElement) drawMap(mapElement);
    var sort = document.getElementById("wb-sort");
    if (sort) sort.addEventListener("change", function () { sortRows(sort.value); });
    var filter = document.getElementById("wb-filter");
    if (filter) filter.addEventListener("change", function () { filterRows(filter.value); });
    var form = root.closest("form");
    if (form) guardUnsaved(form);
    if (root.dataset.statusUrl) poll(root);
  });
})();
