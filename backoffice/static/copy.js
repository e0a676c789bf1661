// ledgerbridge BackOffice: copy buttons for a secret shown once (API key,
// invitation link). <button data-copy="ID" data-copied="text"> copies the
// value of the input #ID and says so; without this script the input can
// still be selected and copied by hand.
document.addEventListener("click", function (e) {
  var btn = e.target.closest && e.target.closest("button[data-copy]");
  if (!btn) {
    return;
  }
  var input = document.getElementById(btn.getAttribute("data-copy"));
  if (!input) {
    return;
  }
  var said = function () {
    var status = document.getElementById(btn.getAttribute("aria-controls") || "");
    if (status) {
      status.textContent = btn.getAttribute("data-copied");
    }
  };
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(said, function () {
      document.execCommand("copy");
      said();
    });
  } else {
    document.execCommand("copy");
    said();
  }
});
