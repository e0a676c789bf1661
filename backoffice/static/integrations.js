// ledgerbridge BackOffice, setup wizard: on a narrow screen the list of
// steps scrolls sideways; bring the current step into view.
document.addEventListener("DOMContentLoaded", function () {
  var current = document.querySelector(".steps .current");
  var list = current && current.parentElement;
  if (list && list.scrollWidth > list.clientWidth) {
    var offset = current.getBoundingClientRect().left - list.getBoundingClientRect().left;
    list.scrollLeft += offset - (list.clientWidth - current.offsetWidth) / 2;
  }
});
