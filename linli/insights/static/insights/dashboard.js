// The insights dashboard: ECharts for the trend and the mix, Leaflet for the grids coloured by case count.
(function () {
  "use strict";
  var data = document.getElementById("insights-charts");
  if (data && window.echarts) {
    var charts = JSON.parse(data.textContent);
    var t = charts.trend, el = document.getElementById("chart-trend");
    if (el) {
      echarts.init(el).setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 40, top: 30, bottom: 30 },
        xAxis: { type: "category", data: t.labels },
        yAxis: [{ type: "value", name: "" }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: t.names.received, type: "bar", data: t.received },
          { name: t.names.response_rate, type: "line", yAxisIndex: 1, data: t.response_rate, connectNulls: true },
          { name: t.names.resolution_rate, type: "line", yAxisIndex: 1, data: t.resolution_rate, connectNulls: true },
          { name: t.names.satisfaction_rate, type: "line", yAxisIndex: 1, data: t.satisfaction_rate, connectNulls: true }
        ]
      });
    }
    [["chart-categories", charts.categories], ["chart-channels", charts.channels]].forEach(function (pair) {
      var node = document.getElementById(pair[0]);
      if (node && pair[1].length) {
        echarts.init(node).setOption({
          tooltip: { trigger: "item" },
          series: [{ type: "pie", radius: ["35%", "65%"], data: pair[1] }]
        });
      }
    });
  }
  var mapEl = document.getElementById("insights-map"), gridsData = document.getElementById("insights-grids");
  if (mapEl && gridsData && window.L) {
    var grids = JSON.parse(gridsData.textContent);
    var max = Math.max.apply(null, grids.map(function (g) { return g.received; }).concat([1]));
    var map = L.map(mapEl);
    map.attributionControl.setPrefix(false);
    if (mapEl.dataset.tiles) L.tileLayer(mapEl.dataset.tiles, { attribution: mapEl.dataset.attribution || "" }).addTo(map);
    var layers = grids.map(function (g) {
      var share = g.received / max;
      var colour = share > 0.75 ? "#b42318" : share > 0.5 ? "#f04438" : share > 0.25 ? "#fdb022" : share > 0 ? "#fedf89" : "#eaecf0";
      return L.geoJSON(g.geometry, { style: { color: "#475467", weight: 1, fillColor: colour, fillOpacity: 0.6 } })
        .bindTooltip(g.name + " · " + g.received + (g.response_rate === null ? "" : " · " + g.response_rate + "%"))
        .addTo(map);
    });
    if (layers.length) map.fitBounds(L.featureGroup(layers).getBounds());
  }
})();
