// The clinic board: every chair as a tile, kept live. Loaded with
// <script src="/static/js/board.js" nonce="…" defer> after live.js; no inline script.
//
// It listens to the clinic's "board" topic (staff and the wall-board device alike) and, on each
// event, re-reads the tiles partial: the events carry only which chair changed, the server
// renders what the board may show (initials, never names). A slow timer refreshes the ages.
"use strict";

(function () {
  var KINDS = ["tile.changed", "alert.raised", "alert.acknowledged", "alert.escalated", "session.scheduled"];
  var EVERY_MS = 30000;
  var timer = null;
  var busy = false;
  var again = false;

  function board() { return document.getElementById("board"); }

  function reload() {
    var root = board();
    if (!root) { return; }
    if (busy) { again = true; return; }
    busy = true;
    fetch(root.dataset.tilesUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("board-tiles");
        var current = document.getElementById("board-tiles");
        if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
      })
      .catch(function () { /* offline: the next event or tick tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(reload, 150);
  }

  function start() {
    var root = board();
    if (!root) { return; }
    if (window.HoldspaceLive) {
      window.HoldspaceLive.subscribe(["board"], function (event) {
        if (event.kind !== "live.closed") { schedule(); }
      }, { kinds: KINDS, after: root.dataset.liveAfter });
    }
    window.setInterval(reload, EVERY_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
