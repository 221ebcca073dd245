/* The hand-over form: a signature pad on a canvas (drawn on white, sent as a PNG data URL) or a photo. */
(function () {
  "use strict";
  var form = document.getElementById("handover-form");
  if (!form) { return; }
  var canvas = document.getElementById("signature-pad");
  var hidden = form.querySelector("input[name=signature_data]");
  var sigBox = document.getElementById("signature-box");
  var photoBox = document.getElementById("photo-box");
  var ctx = canvas.getContext("2d");
  var drawn = false, drawing = false, last = null;

  function reset() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    drawn = false;
    hidden.value = "";
  }
  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }
  function kind() {
    var checked = form.querySelector("input[name=proof_kind]:checked");
    return checked ? checked.value : "signature";
  }
  function toggle() {
    var signing = kind() === "signature";
    sigBox.hidden = !signing;
    photoBox.hidden = signing;
  }

  canvas.addEventListener("pointerdown", function (e) {
    drawing = true;
    last = point(e);
    canvas.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) { return; }
    var p = point(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    drawn = true;
    e.preventDefault();
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  document.getElementById("signature-clear").addEventListener("click", reset);
  form.querySelectorAll("input[name=proof_kind]").forEach(function (radio) {
    radio.addEventListener("change", toggle);
  });
  form.addEventListener("submit", function (e) {
    if (kind() !== "signature") { hidden.value = ""; return; }
    if (!drawn) {
      e.preventDefault();
      window.alert(form.getAttribute("data-empty-message"));
      return;
    }
    hidden.value = canvas.toDataURL("image/png");
  });
  reset();
  toggle();
}());
