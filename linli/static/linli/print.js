/* Printable pages (QR posters, shop-front signs): the Print button, without an inline handler (CSP). */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
