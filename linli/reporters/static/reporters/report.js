/* 随手拍 on the phone: photos gathered from the camera and the album (up to 5), previews, and the phone's
   location filled in. Without JavaScript the form still works: both file inputs are sent as they are. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var MAX = 5;
  var sources = Array.prototype.slice.call(form.querySelectorAll("input[data-photo-source]"));
  var previews = document.getElementById("photo-previews");
  var count = document.getElementById("photo-count");
  var picked = null;
  try { picked = new DataTransfer(); } catch (e) { picked = null; }

  function show(files) {
    previews.innerHTML = "";
    Array.prototype.forEach.call(files, function (file) {
      var img = document.createElement("img");
      img.className = "thumb";
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      previews.appendChild(img);
    });
    count.textContent = count.dataset.label + ": " + files.length + " / " + MAX;
  }

  sources.forEach(function (input) {
    input.addEventListener("change", function () {
      if (!picked) { show(input.files); return; }
      Array.prototype.forEach.call(input.files, function (file) {
        if (picked.items.length < MAX) picked.items.add(file);
      });
      // Everything chosen so far travels in the first input; the others are emptied so nothing goes twice.
      sources.forEach(function (other) { other.value = ""; });
      sources[0].files = picked.files;
      show(picked.files);
      var next = document.getElementById("step-category");
      if (next && next.scrollIntoView) next.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });

  var lat = form.querySelector("input[name=lat]"), lon = form.querySelector("input[name=lon]");
  var status = document.getElementById("geo-status");
  if (lat && lon && navigator.geolocation && !lat.value) {
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      lon.value = p.coords.longitude.toFixed(6);
      status.textContent = status.dataset.found;
    }, function () {
      status.textContent = status.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 120000 });
  }

  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;  // one tap sends one report
  });
})();
