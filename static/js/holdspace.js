// Small progressive enhancements. Every page works without this file.
"use strict";

// Keep the CSRF token on htmx requests fresh after a partial swap replaced the form.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});

// Signing out from any page clears the infusion console's offline outbox, so nothing clinical
// stays on a shared tablet. (On console pages console.js does this itself, after its own writes.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.action || form.action.indexOf("/accounts/logout/") === -1) { return; }
  if (document.getElementById("live-root") || form.hsOutboxCleared || !window.indexedDB) { return; }
  event.preventDefault();
  var done = function () {
    if (form.hsOutboxCleared) { return; }
    form.hsOutboxCleared = true;
    form.submit();
  };
  var request = window.indexedDB.deleteDatabase("holdspace-outbox");
  request.onsuccess = request.onerror = request.onblocked = done;
  setTimeout(done, 1000);
}, true);
