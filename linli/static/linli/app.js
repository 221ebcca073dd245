/* Live deadline countdowns and the case maps. No build step: plain browser JavaScript. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;

  function fmt(ms) {
    var late = ms < 0, s = Math.abs(ms) / 1000;
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
    var text;
    if (d > 0) text = zh ? d + "天" + h + "小时" : d + "d " + h + "h";
    else if (h > 0) text = zh ? h + "小时" + m + "分" : h + "h " + m + "m";
    else text = zh ? m + "分" + sec + "秒" : m + "m " + sec + "s";
    return late ? (zh ? "已超时 " + text : "overdue " + text) : (zh ? "剩余 " + text : text + " left");
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      if (!el.dataset.abs) el.dataset.abs = el.textContent;
      el.textContent = el.dataset.abs + " (" + fmt(due - now) + ")";
      el.classList.toggle("overdue", due < now);
    });
  }
  tick();
  setInterval(tick, 1000);

  // Filters that apply as soon as they change (the button is there for those without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // One staff menu open at a time; a click elsewhere closes it.
  var menus = document.querySelectorAll("details.menu");
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) return;
      menus.forEach(function (other) { if (other !== menu) other.open = false; });
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) { if (!menu.contains(event.target)) menu.open = false; });
  });

  function baseMap(el, center, zoom) {
    var map = L.map(el).setView(center, zoom);
    map.attributionControl.setPrefix(false);
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "" }).addTo(map);
    return map;
  }

  function drawGrids(map, url, highlight) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; }).then(function (grids) {
      var layers = [];
      grids.forEach(function (g) {
        if (!g.geometry) return;
        var own = highlight && String(g.id) === String(highlight);
        var layer = L.geoJSON(g.geometry, { style: { color: own ? "#c8102e" : "#175cd3", weight: own ? 3 : 1, fillOpacity: own ? 0.15 : 0.05 } }).bindTooltip(g.community_name + " " + g.name);
        layer.addTo(map);
        layers.push(layer);
      });
      return layers;
    });
  }

  var caseMap = document.getElementById("case-map");
  if (caseMap && window.L) {
    var ll = [parseFloat(caseMap.dataset.lat), parseFloat(caseMap.dataset.lon)];
    var m = baseMap(caseMap, ll, 16);
    L.marker(ll).addTo(m);
    if (caseMap.dataset.gridUrl) drawGrids(m, caseMap.dataset.gridUrl, caseMap.dataset.gridId);
  }

  // A hot spot's cases on the map, its markers from the page's JSON.
  var pointsMap = document.getElementById("points-map"), pointsData = document.getElementById("hot-spot-points");
  if (pointsMap && pointsData && window.L) {
    var points = JSON.parse(pointsData.textContent);
    var hm = baseMap(pointsMap, points[0], 16);
    var markers = points.map(function (p) { return L.circleMarker(p, { radius: 7, color: "#c8102e" }).addTo(hm); });
    if (markers.length > 1) hm.fitBounds(L.featureGroup(markers).getBounds().pad(0.3));
  }

  var pick = document.getElementById("pick-map");
  if (pick && window.L) {
    var latInput = document.querySelector("input[name=lat]"), lonInput = document.querySelector("input[name=lon]");
    var pm = baseMap(pick, [39.12, 117.2], 12), marker = null;
    function setPoint(lat, lon) {
      latInput.value = lat.toFixed(6); lonInput.value = lon.toFixed(6);
      if (marker) marker.setLatLng([lat, lon]); else marker = L.marker([lat, lon]).addTo(pm);
    }
    drawGrids(pm, pick.dataset.grids).then(function (layers) {
      if (layers.length) pm.fitBounds(L.featureGroup(layers).getBounds());
      layers.forEach(function (l) { l.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); }); });
    });
    pm.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); });
    if (latInput.value && lonInput.value) setPoint(parseFloat(latInput.value), parseFloat(lonInput.value));
    var me = document.getElementById("use-my-location");
    if (me) me.addEventListener("click", function () {
      if (navigator.geolocation) navigator.geolocation.getCurrentPosition(function (p) { setPoint(p.coords.latitude, p.coords.longitude); pm.setView([p.coords.latitude, p.coords.longitude], 16); });
    });
  }

  // The registry: reveal dialogs (a reason, then one value in full), and intake's "this is the caller".
  document.addEventListener("click", function (e) {
    var opener = e.target.closest("[data-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.dialog);
      if (dialog && dialog.showModal) {
        dialog.showModal();
        var first = dialog.querySelector("textarea, input:not([type=hidden])");
        if (first) first.focus();
      }
      return;
    }
    var closer = e.target.closest("dialog [data-close]");
    if (closer) { closer.closest("dialog").close(); return; }
    var suggestion = e.target.closest("[data-suggest-pk]");
    if (suggestion) {
      var select = document.getElementById("id_category");
      if (select && suggestion.dataset.suggestPk) select.value = suggestion.dataset.suggestPk;
      return;
    }
    var pick = e.target.closest("[data-pick-resident]");
    if (pick) {
      var input = document.getElementById("id_resident");
      if (input) input.value = pick.dataset.pickResident;
      document.querySelectorAll("[data-pick-resident]").forEach(function (b) {
        b.setAttribute("aria-pressed", b === pick ? "true" : "false");
        b.classList.toggle("primary", b === pick);
      });
      if (pick.dataset.urgent === "1") {
        var urgent = document.querySelector("input[name=urgency][value=urgent]");
        if (urgent) urgent.checked = true;
      }
      var note = document.getElementById("resident-picked");
      if (note) {
        note.textContent = pick.dataset.picked + (pick.dataset.why ? " " + pick.dataset.why : "");
        note.hidden = false;
      }
    }
  });
  // A full value never stays on the page: closing the dialog forgets it and the reason typed.
  document.querySelectorAll("dialog.reveal").forEach(function (dialog) {
    dialog.addEventListener("close", function () {
      var out = dialog.querySelector(".reveal-out");
      if (out) out.innerHTML = "";
      var form = dialog.querySelector("form");
      if (form) form.reset();
    });
  });
  // Fragments that explain a refusal (400 bad reason, 403 not allowed) are shown, not dropped.
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var status = e.detail.xhr.status, elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    if ((status === 400 || status === 403) && elt && elt.closest("[data-swap-errors]")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  // A new lookup result forgets a caller who is no longer among the matches.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "resident-matches") return;
    var input = document.getElementById("id_resident");
    if (!input || !input.value) return;
    var chosen = e.detail.target.querySelector('[data-pick-resident="' + input.value + '"]');
    if (chosen) {
      chosen.setAttribute("aria-pressed", "true");
      chosen.classList.add("primary");
    } else {
      input.value = "";
      var note = document.getElementById("resident-picked");
      if (note) { note.hidden = true; note.textContent = ""; }
    }
  });

  // The dispatch suggestions: remember the model's top one, so intake records whether it was taken.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "category-suggestions") return;
    var box = e.detail.target.querySelector("[data-model-version]");
    var top = e.detail.target.querySelector("[data-top='1']");
    var suggested = document.getElementById("id_suggested"), model = document.getElementById("id_suggestion_model");
    if (suggested && model) {
      suggested.value = top ? top.dataset.suggestCode : "";
      model.value = box && top ? box.dataset.modelVersion : "";
    }
  });
})();
