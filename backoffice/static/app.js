// ledgerbridge BackOffice: the little script the pages need. htmx sends
// the session's CSRF token with every request it makes; forms carry it as
// a hidden field. Everything works without this file except the partial
// updates.
document.addEventListener("htmx:configRequest", function (e) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) {
    e.detail.headers["X-CSRF-Token"] = meta.content;
  }
});
// A confirm() before destructive actions: <form data-confirm="text">.
document.addEventListener("submit", function (e) {
  var text = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (text && !window.confirm(text)) {
    e.preventDefault();
  }
}, true);
