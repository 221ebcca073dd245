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
})();
