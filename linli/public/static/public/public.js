/* The report page: the browser's location, a map pick when a base map is configured. Plain JavaScript. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var lat = form.querySelector("input[name=lat]"), lon = form.querySelector("input[name=lon]");
  var state = document.getElementById("location-state");
  var marker = null, map = null;

  function setPoint(la, lo, text) {
    lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
    if (state) state.textContent = text || state.dataset.done || "";
    if (map) { if (marker) marker.setLatLng([la, lo]); else marker = L.marker([la, lo]).addTo(map); }
  }

  var me = document.getElementById("use-my-location");
  if (me && navigator.geolocation) {
    me.hidden = false;
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    me.addEventListener("click", function () {
      if (state) state.textContent = zh ? "正在获取您的位置…" : "Finding where you are…";
      navigator.geolocation.getCurrentPosition(function (p) {
        setPoint(p.coords.latitude, p.coords.longitude, zh ? "已取得您的位置 ✓" : "Got your location ✓");
        if (map) map.setView([p.coords.latitude, p.coords.longitude], 17);
      }, function () {
        if (state) state.textContent = zh ? "没能取得位置，请输入小区或楼号。" : "Could not get your location: type your compound or building.";
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // While the resident describes the problem, offer the categories it looks like (one tap checks one).
  var hint = document.getElementById("category-hint"), text = form.querySelector("textarea[name=description]");
  var timer = null;
  if (hint && text && window.fetch) {
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (text.value.trim().length < 4) return;
        fetch(hint.dataset.url + "?text=" + encodeURIComponent(text.value)).then(function (r) {
          return r.ok ? r.json() : { suggestions: [] };
        }).then(function (answer) {
          hint.textContent = "";
          if (!answer.suggestions.length) { hint.hidden = true; return; }
          hint.appendChild(document.createTextNode(hint.dataset.label + " "));
          answer.suggestions.forEach(function (s) {
            var b = document.createElement("button");
            b.type = "button"; b.className = "suggestion"; b.textContent = s.name;
            b.addEventListener("click", function () {
              var radio = form.querySelector("input[name=category][value='" + s.id + "']");
              if (!radio) return;
              radio.checked = true;
              var group = radio.closest("details");
              if (group) group.open = true;
              radio.closest("label").scrollIntoView({ block: "center" });
            });
            hint.appendChild(b);
          });
          hint.hidden = false;
        }).catch(function () { hint.hidden = true; });
      }, 500);
    });
  }

  var pick = document.getElementById("pick-map");
  if (pick && window.L) {
    map = L.map(pick).setView([39.12, 117.2], 12);
    map.attributionControl.setPrefix(false);
    L.tileLayer(pick.dataset.tiles, { attribution: pick.dataset.attribution || "" }).addTo(map);
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); });
  }
})();
