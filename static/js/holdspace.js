// Small progressive enhancements. Every page works without this file.
"use strict";

// Keep the CSRF token on htmx requests fresh after a partial swap replaced the form.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});
