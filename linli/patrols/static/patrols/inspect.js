// The checklist page: the place's location from the phone's GPS into the hidden lat/lon fields.
(function () {
  var lat = document.querySelector("#inspection-form input[name=lat]");
  var lon = document.querySelector("#inspection-form input[name=lon]");
  var status = document.getElementById("locate-status");
  var button = document.getElementById("locate");
  if (!lat || !lon || !button) return;
  function locate() {
    if (!navigator.geolocation) { status.textContent = status.dataset.unavailable; return; }
    status.textContent = status.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      lon.value = p.coords.longitude.toFixed(6);
      status.textContent = status.dataset.located + " " + lat.value + ", " + lon.value;
    }, function () { status.textContent = status.dataset.unavailable; }, { enableHighAccuracy: true, timeout: 15000 });
  }
  button.addEventListener("click", locate);
  if (!lat.value) locate();
})();
