// ledgerbridge BackOffice, exports page: a grid wider than the screen (a
// phone) starts scrolled to its newest day, at the right, and stays there
// when the run's progress redraws it.
(function () {
  function toNewest() {
    document.querySelectorAll(".export-grid-wrap").forEach(function (w) {
      w.scrollLeft = w.scrollWidth;
    });
  }
  document.addEventListener("DOMContentLoaded", toNewest);
  document.addEventListener("htmx:afterSettle", toNewest);
  window.addEventListener("resize", toNewest);
})();
