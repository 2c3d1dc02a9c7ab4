// minwon-hub audit console: the only script, served from the hub itself (no inline script).
// Scripted sign-in: /console/login#token=... puts the token into the sign-in field, removes
// it from the address bar and history (the fragment never reaches a server), and submits.
(function () {
  "use strict";
  var form = document.getElementById("login");
  var field = document.getElementById("token");
  var hash = window.location.hash || "";
  if (hash.indexOf("#token=") === 0) {
    var token = decodeURIComponent(hash.slice("#token=".length));
    history.replaceState(null, "", window.location.pathname + window.location.search);
    if (form && field && token) {
      field.value = token;
      form.submit();
    }
  }
})();
