// Live updates for holdspace pages: server-sent events, with polling when the stream keeps
// failing. Load it with <script src="/static/js/live.js" nonce="…" defer>; no inline script.
//
//   var live = HoldspaceLive.subscribe(["board"], function (event) { … }, {
//     kinds: ["tile.changed", "alert.raised"],  // SSE event names to listen for
//     after: element.dataset.liveAfter,         // the cursor the page was rendered with
//     pollMs: 3000, streamRetryMs: 30000,       // optional: polling pace, stream retries
//   });
//   live.close();
//
// Each event ({id, topic, kind, at, payload}) is passed to the callback once, in order, and
// dispatched on document as a "holdspace:live" CustomEvent. "live.resync" means events could
// not be replayed (reload what the page shows); "live.closed" means this page may no longer
// listen (signed out, device deactivated). <body data-live-state> is one of: connecting, live,
// reconnecting, polling, closed.
"use strict";

(function () {
  var STREAM_URL = "/live/stream/";
  var POLL_URL = "/live/poll/";
  var POLL_MS = 3000;
  // The browser retries a dropped stream by itself; after this many failures in a row we poll.
  var FAILURES_BEFORE_POLLING = 3;
  // While polling, try the stream again this often.
  var STREAM_RETRY_MS = 30000;
  var RESYNC = "live.resync";
  var CLOSED = "live.closed";

  function setState(state) {
    document.body.setAttribute("data-live-state", state);
  }

  function query(topics, cursorName, cursor) {
    var params = new URLSearchParams();
    topics.forEach(function (topic) { params.append("topic", topic); });
    if (cursor !== null) { params.set(cursorName, cursor); }
    return params.toString();
  }

  function subscribe(topics, onEvent, options) {
    options = options || {};
    var kinds = (options.kinds || []).concat([RESYNC, CLOSED]);
    var pollMs = options.pollMs || POLL_MS;
    var streamRetryMs = options.streamRetryMs || STREAM_RETRY_MS;
    var after = options.after;
    var lastId = after === undefined || after === null || after === "" ? null : Number(after);
    var source = null;
    var failures = 0;
    var pollTimer = null;
    var retryTimer = null;
    var closed = false;

    // Every event goes through here exactly once: the stream and polling may overlap for a
    // moment when switching between them, and ids only grow.
    function deliver(envelope) {
      if (closed) { return; }
      if (envelope.kind === RESYNC) {
        // The server's cursor wins, even a lower one (the database was restored).
        lastId = envelope.id;
      } else if (lastId !== null && envelope.id <= lastId) {
        return;
      } else {
        lastId = envelope.id;
      }
      if (kinds.indexOf(envelope.kind) === -1) { return; }
      onEvent(envelope);
      document.dispatchEvent(new CustomEvent("holdspace:live", { detail: envelope }));
      if (envelope.kind === CLOSED) { stop("closed"); }
    }

    function onMessage(message) {
      var envelope;
      try { envelope = JSON.parse(message.data); } catch (error) { return; }
      deliver(envelope);
    }

    function openStream() {
      var url = STREAM_URL + "?" + query(topics, "last_event_id", lastId);
      var stream = new EventSource(url);
      kinds.forEach(function (kind) { stream.addEventListener(kind, onMessage); });
      stream.onopen = function () {
        failures = 0;
        stopPolling();
        setState("live");
      };
      stream.onerror = function () { onStreamError(stream); };
      source = stream;
    }

    function onStreamError(stream) {
      if (closed) { return; }
      failures += 1;
      // CLOSED: the browser gave up (an error status or a sign-in page instead of a stream).
      if (stream.readyState === EventSource.CLOSED || failures >= FAILURES_BEFORE_POLLING) {
        closeStream();
        startPolling();
      } else if (pollTimer === null) {
        setState("reconnecting");
      }
    }

    function closeStream() {
      if (source !== null) { source.close(); source = null; }
    }

    function startPolling() {
      if (closed || pollTimer !== null) { return; }
      setState("polling");
      pollTimer = window.setTimeout(poll, 0);
      retryTimer = window.setTimeout(retryStream, streamRetryMs);
    }

    function stopPolling() {
      window.clearTimeout(pollTimer);
      window.clearTimeout(retryTimer);
      pollTimer = null;
      retryTimer = null;
    }

    function retryStream() {
      if (closed || pollTimer === null) { return; }
      failures = FAILURES_BEFORE_POLLING - 1;  // one failure sends us back to polling
      openStream();
      retryTimer = window.setTimeout(retryStream, streamRetryMs);
    }

    function poll() {
      var url = POLL_URL + "?" + query(topics, "after", lastId);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          // 403/404 or a redirect to the sign-in page: this page may no longer listen.
          if (response.redirected || response.status === 403 || response.status === 404) {
            stop("closed");
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (body) {
          if (body) { takePoll(body); }
        })
        .catch(function () { /* offline: the next poll tries again */ })
        .then(function () {
          if (!closed && pollTimer !== null) { pollTimer = window.setTimeout(poll, pollMs); }
        });
    }

    function takePoll(body) {
      if (body.resync) {
        var reason = { reason: "events missing" };
        deliver({ id: body.last_id, topic: null, kind: RESYNC, at: null, payload: reason });
      }
      body.events.forEach(deliver);
      // Past events of other topics too: every id up to last_id was final when it was read.
      if (lastId === null || body.last_id > lastId) { lastId = body.last_id; }
    }

    function stop(state) {
      closed = true;
      closeStream();
      stopPolling();
      setState(state);
    }

    setState("connecting");
    openStream();
    return {
      close: function () { stop("closed"); },
      lastEventId: function () { return lastId; },
    };
  }

  window.HoldspaceLive = { subscribe: subscribe };
})();
