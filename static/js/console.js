// The live infusion pages (console, check-in, discharge, record): live panels, the header clock,
// the on-screen keypad, the chart and the offline outbox. Loaded with
// <script src="/static/js/console.js" nonce="…" defer> after htmx and live.js; no inline script.
//
// Panels are elements with data-panel inside #live-root. Live events for the session (and the
// answers to this tablet's own entries) refresh them with out-of-band swaps, except a panel that
// is being typed in (data-dirty), shows an error (data-keep), has the focus or an open <details>.
//
// A panel that became busy after a request was sent is not replaced by its answer either.
//
// Panel contents are applied in order. Every htmx request gets a sequence number when it is
// sent, and each panel remembers how fresh its content is. A live refresh answered after a newer
// answer reached a panel (a refresh requested before an acknowledgement committed, answered after
// it) is not applied to that panel, and a new refresh is asked for instead. The answer to this
// tablet's own entry is always applied to the panel it came from (it is the result of the entry,
// read after it committed) and makes every panel it carries newer than anything requested before
// it arrived: a refresh requested earlier may have read the database before the entry committed.
//
// The outbox (QUALITY.md, Reliability): an entry form (data-outbox) that cannot be sent because
// the device is offline, or whose POST fails on the network, is kept in IndexedDB with its
// fields (its client UUID included, the CSRF token not), shown as pending, and replayed in order
// when the connection returns. The server stores each client UUID once, so a replay of an entry
// that did arrive changes nothing. Entries are removed once stored (or refused, with a notice),
// and the whole outbox is cleared when someone signs out on this device.
"use strict";

(function () {
  var DB_NAME = "holdspace-outbox";
  var STORE = "entries";
  var LIVE_KINDS = [
    "entry.recorded", "entry.time_corrected", "entry.entered_in_error",
    "alert.raised", "alert.repeated", "alert.acknowledged", "alert.escalated",
    "session.state", "session.checked_in", "checkin.updated", "session.signed",
    "session.style", "addendum.added",
  ];
  var SWAPPABLE_ERRORS = [403, 409, 422];
  var root = null;
  var chart = null;
  var replaying = false;

  // --- Identifiers -------------------------------------------------------------------------

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // crypto.randomUUID needs a secure context; a clinic LAN served over plain http has only
    // getRandomValues, which is just as random.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); });
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" + hex.slice(6, 8).join("") +
      "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Refreshing panels -------------------------------------------------------------------

  function isBusy(panel) {
    if (panel.dataset.dirty || panel.dataset.keep) { return true; }
    var active = document.activeElement;
    if (active && panel.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) &&
        active.type !== "hidden") {
      return true;
    }
    return panel.querySelector("details[open]") !== null;
  }

  function skipList() {
    if (!root) { return ""; }
    var names = [];
    root.querySelectorAll("[data-panel]").forEach(function (panel) {
      if (isBusy(panel)) { names.push(panel.dataset.panel); }
    });
    return names.join(",");
  }

  var refreshTimer = null;
  var refreshing = false;
  var refreshAgain = false;

  // Ordering (see the top of this file). issued: the last sequence number handed to a request;
  // fresh[name]: how fresh the content of panel `name` is; swapping: the answer being swapped in.
  var issued = 0;
  var fresh = {};
  var swapping = null;

  function panelName(element) {
    var panel = element && element.closest ? element.closest("[data-panel]") : null;
    return panel ? panel.dataset.panel : "";
  }

  function isOwnEntry(detail) {
    var verb = detail.requestConfig && detail.requestConfig.verb;
    return Boolean(verb) && verb !== "get";
  }

  // Decides whether one panel of the answer being swapped may replace what is on screen.
  function mayApply(name, own) {
    if (!name || !swapping) { return true; }
    if (swapping.seq <= (fresh[name] || 0)) { return false; }
    fresh[name] = own ? issued : swapping.seq;
    return true;
  }

  function scheduleRefresh() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refresh, 150);
  }

  function refresh() {
    if (!root || !root.dataset.refreshUrl || !window.htmx) { return; }
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    var done = function () {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
    };
    window.htmx.ajax("GET", root.dataset.refreshUrl, {
      source: root, swap: "none", headers: { "X-Holdspace-Skip": skipList() },
    }).then(done, done);
    loadChart();
  }

  function markDirty(event) {
    var panel = event.target.closest && event.target.closest("[data-panel]");
    if (panel && event.target.type !== "hidden") { panel.dataset.dirty = "1"; }
  }

  // --- The header clock --------------------------------------------------------------------

  function clockText(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function tick() {
    var head = document.getElementById("panel-header");
    if (!head || head.dataset.elapsed === undefined) { return; }
    if (!head.hsSince) { head.hsSince = Date.now(); }
    var dt = (Date.now() - head.hsSince) / 1000;
    var pump = head.dataset.pump;
    var started = pump !== "not_started" && pump !== "unknown";
    var elapsed = head.querySelector("[data-tick=elapsed]");
    if (elapsed && started) {
      var base = Number(head.dataset.elapsed);
      elapsed.textContent = clockText(pump === "stopped" ? base : base + dt);
    }
    var remaining = head.querySelector("[data-tick=remaining]");
    if (remaining && head.dataset.remaining !== "") {
      var left = Number(head.dataset.remaining) - (pump === "running" ? dt : 0);
      remaining.textContent = clockText(left);
    }
    var delivered = head.querySelector("[data-tick=delivered]");
    if (delivered && pump === "running") {
      var mg = Number(head.dataset.delivered) + Number(head.dataset.mgPerS) * dt;
      delivered.textContent = mg.toFixed(1);
    }
  }

  // --- The on-screen keypad ----------------------------------------------------------------

  function setUpKeypads(scope) {
    scope.querySelectorAll("[data-keypad]").forEach(function (pad) {
      if (pad.hsReady) { return; }
      pad.hsReady = true;
      pad.hidden = false;
      var form = pad.closest("form");
      var inputs = form.querySelectorAll("input[type=number]");
      var target = inputs[0] || null;
      inputs.forEach(function (input) {
        // The on-screen keypad replaces the device keyboard (a hardware keyboard still works).
        input.setAttribute("inputmode", "none");
        input.addEventListener("focus", function () { target = input; });
      });
      // Keep the focus (and the device keyboard closed) while tapping keys.
      pad.addEventListener("pointerdown", function (event) { event.preventDefault(); });
      pad.addEventListener("click", function (event) {
        var key = event.target.closest("[data-key]");
        if (!key || !target) { return; }
        var value = target.value;
        var k = key.dataset.key;
        if (k === "back") { value = value.slice(0, -1); }
        else if (k === "next") {
          var list = Array.prototype.slice.call(inputs);
          target = list[(list.indexOf(target) + 1) % list.length];
          target.focus();
          return;
        } else if (k === "." && value.indexOf(".") !== -1) { return; }
        else { value += k; }
        target.value = value;
        target.dispatchEvent(new Event("input", { bubbles: true }));
        target.focus();
      });
    });
  }

  // --- The chart (uPlot) -------------------------------------------------------------------

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function chartData(body) {
    var times = {};
    body.vitals.t.forEach(function (t) { times[t] = true; });
    body.dose.t.forEach(function (t) { times[t] = true; });
    body.pump.forEach(function (p) { times[p.t] = true; });
    var xs = Object.keys(times).map(Number).sort(function (a, b) { return a - b; });
    var index = {};
    xs.forEach(function (t, i) { index[t] = i; });
    function column(ts, values) {
      var out = xs.map(function () { return null; });
      ts.forEach(function (t, i) { out[index[t]] = values[i]; });
      return out;
    }
    var v = body.vitals;
    return [xs, column(v.t, v.systolic), column(v.t, v.diastolic), column(v.t, v.heart_rate),
      column(v.t, v.spo2), column(body.dose.t, body.dose.mg)];
  }

  function pumpMarkers(u) {
    var ctx = u.ctx;
    var events = u.hsPump || [];
    ctx.save();
    ctx.strokeStyle = cssVar("--muted", "#888");
    ctx.fillStyle = cssVar("--text", "#222");
    ctx.setLineDash([4, 4]);
    ctx.font = Math.round(12 * devicePixelRatio) + "px system-ui, sans-serif";
    events.forEach(function (p) {
      var x = Math.round(u.valToPos(p.t, "x", true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) { return; }
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      var label = p.action + (p.rate_ml_h ? " " + p.rate_ml_h : "");
      ctx.fillText(label, x + 4, u.bbox.top + 14 * devicePixelRatio);
    });
    ctx.restore();
  }

  function makeChart(el, data, body) {
    var width = el.clientWidth || 600;
    var line = function (label, color, scale) {
      return { label: label, stroke: color, width: 2, scale: scale || "v", spanGaps: true,
        points: { show: true, size: 6 } };
    };
    var text = cssVar("--muted", "#666");
    var grid = cssVar("--line", "#ddd");
    var opts = {
      width: width, height: 260,
      tzDate: function (ts) {
        return el.dataset.tz ? window.uPlot.tzDate(new Date(ts * 1e3), el.dataset.tz) : new Date(ts * 1e3);
      },
      scales: { x: { time: true }, v: { auto: true }, mg: { auto: true, range: [0, Math.max(body.planned_mg, 1)] } },
      series: [
        {},
        line("SBP", cssVar("--danger", "#a22")),
        line("DBP", cssVar("--warn", "#a60")),
        line("HR", cssVar("--accent", "#2f6f73")),
        line("SpO₂", cssVar("--ok", "#2d6a3e")),
        { label: "Dose mg", stroke: text, width: 2, dash: [6, 4], scale: "mg", spanGaps: true },
      ],
      axes: [
        { stroke: text, grid: { stroke: grid } },
        { scale: "v", stroke: text, grid: { stroke: grid } },
        { scale: "mg", side: 1, stroke: text, grid: { show: false } },
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      hooks: { draw: [pumpMarkers] },
    };
    var u = new window.uPlot(opts, data, el);
    u.hsPump = body.pump;
    return u;
  }

  var chartAsked = 0;
  var chartShown = 0;

  function loadChart() {
    var el = document.querySelector("[data-chart]");
    if (!el || !root || !root.dataset.chartUrl || !window.uPlot) { return; }
    // Like the panels: an older answer arriving after a newer one is not drawn.
    var asked = ++chartAsked;
    fetch(root.dataset.chartUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || asked < chartShown) { return; }
        chartShown = asked;
        var data = chartData(body);
        if (chart) {
          chart.hsPump = body.pump;
          chart.setData(data);
        } else {
          chart = makeChart(el, data, body);
        }
      })
      .catch(function () { /* offline: the next refresh draws it */ });
  }

  // --- The outbox (IndexedDB) --------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function allPending() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.at === b.at ? a.seq - b.seq : (a.at < b.at ? -1 : 1); });
    });
  }

  function currentUser() { return root ? root.dataset.user : ""; }

  function describe(label, fields) {
    var values = {};
    fields.forEach(function (pair) { values[pair[0]] = pair[1]; });
    var parts = [];
    if (values.systolic || values.diastolic) { parts.push("BP " + (values.systolic || "?") + "/" + (values.diastolic || "?")); }
    [["heart_rate", "HR"], ["spo2", "SpO₂"], ["resp_rate", "RR"], ["temperature_c", "T"],
      ["anxiety", "anxiety"], ["dissociation", "dissociation"], ["nausea", "nausea"],
      ["kind", ""], ["response", ""], ["action", ""], ["preset", "rate"], ["rate_ml_h", "rate"]].forEach(function (pair) {
      if (values[pair[0]]) { parts.push((pair[1] ? pair[1] + " " : "") + values[pair[0]].replace(/_/g, " ")); }
    });
    return label + (parts.length ? ": " + parts.join(", ") : "");
  }

  var sequence = 0;

  function stash(form) {
    var fields = (form.hsFields || []).filter(function (pair) { return pair[0] !== "csrfmiddlewaretoken"; });
    var at = form.hsAt || new Date();
    var clientId = "";
    fields = fields.map(function (pair) {
      if (pair[0] === "client_id") { clientId = pair[1]; }
      // The entry happened now, on this device: keep that time for when it is replayed.
      if (pair[0] === "occurred_at" && !pair[1]) { return ["occurred_at", at.toISOString()]; }
      return pair;
    });
    if (!clientId) { return Promise.resolve(); }
    if (!fields.some(function (pair) { return pair[0] === "occurred_at"; })) {
      fields.push(["occurred_at", at.toISOString()]);
    }
    var entry = {
      client_id: clientId, url: form.hsUrl, fields: fields, at: at.toISOString(), seq: sequence++,
      session: root ? root.dataset.session : "", user: currentUser(),
      summary: describe(form.dataset.outbox || "Entry", fields),
    };
    return withStore("readwrite", function (store) { return store.put(entry); }).then(function () {
      resetForm(form);
      showPending();
    });
  }

  function resetForm(form) {
    form.reset();
    var id = form.querySelector("input[name=client_id]");
    if (id) { id.value = newUuid(); }
    var panel = form.closest("[data-panel]");
    if (panel) { delete panel.dataset.dirty; }
  }

  function showPending() {
    if (!root || !window.indexedDB) { return Promise.resolve(); }
    return allPending().then(function (rows) {
      var mine = rows.filter(function (row) { return row.session === root.dataset.session && row.user === currentUser(); });
      document.querySelectorAll("[data-pending]").forEach(function (badge) { badge.hidden = mine.length === 0; });
      document.querySelectorAll("[data-pending-count]").forEach(function (count) { count.textContent = String(mine.length); });
      document.querySelectorAll("[data-pending-list]").forEach(function (list) {
        list.textContent = "";
        mine.slice().reverse().forEach(function (row) {
          var li = document.createElement("li");
          li.className = "tl-item pending";
          var time = document.createElement("time");
          time.textContent = new Date(row.at).toTimeString().slice(0, 5);
          var body = document.createElement("div");
          body.className = "tl-body";
          var text = document.createElement("p");
          text.className = "tl-summary";
          text.textContent = row.summary + " — pending";
          body.appendChild(text);
          li.appendChild(time);
          li.appendChild(body);
          list.appendChild(li);
        });
      });
      return mine.length;
    }).catch(function () { return 0; });
  }

  function notice(message) {
    var card = document.querySelector(".timeline-card") || root;
    if (!card) { return; }
    var box = document.createElement("div");
    box.className = "form-errors";
    box.setAttribute("role", "alert");
    box.textContent = message;
    card.insertBefore(box, card.firstChild.nextSibling);
  }

  function refusalText(html) {
    try {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var errors = doc.querySelectorAll(".form-errors, .errorlist");
      return Array.prototype.map.call(errors, function (e) { return e.textContent.trim(); }).join(" ");
    } catch (error) { return ""; }
  }

  function send(entry) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "X-Holdspace-Skip": "all" },
    });
  }

  function remove(clientId) {
    return withStore("readwrite", function (store) { return store.delete(clientId); });
  }

  // Replays this person's pending entries one by one, oldest first. Stops (keeping the rest)
  // on a network failure, a server error or a lost sign-in; drops a refused entry with a notice.
  function replay() {
    if (replaying || !root || !window.indexedDB || navigator.onLine === false) { return; }
    replaying = true;
    var stored = 0;
    allPending().then(function (rows) {
      var mine = rows.filter(function (row) { return row.user === currentUser(); });
      var step = function (i) {
        if (i >= mine.length) { return Promise.resolve(); }
        var entry = mine[i];
        return send(entry).then(function (response) {
          if (response.type === "opaqueredirect" || response.status === 0) { throw new Error("signed out"); }
          if (response.ok) { stored += 1; return remove(entry.client_id).then(function () { return step(i + 1); }); }
          if (response.status >= 500) { throw new Error("server"); }
          return response.text().then(function (html) {
            notice("An entry made offline was not stored (" + entry.summary + "): " +
              (refusalText(html) || "refused by the server") + ".");
            return remove(entry.client_id).then(function () { return step(i + 1); });
          });
        });
      };
      return step(0);
    }).catch(function () { /* keep what is left for the next try */ }).then(function () {
      replaying = false;
      showPending();
      if (stored) { scheduleRefresh(); }
    });
  }

  function clearOutbox() {
    if (!window.indexedDB) { return Promise.resolve(); }
    return withStore("readwrite", function (store) { return store.clear(); }).catch(function () {});
  }

  // --- htmx hooks --------------------------------------------------------------------------

  function onConfigRequest(event) {
    var elt = event.detail.elt;
    event.detail.headers["X-Holdspace-Skip"] = skipList();
    if (!elt || !elt.matches || !elt.matches("form[data-outbox]")) { return; }
    var data = event.detail.formData || event.detail.parameters;
    var fields = [];
    if (data && typeof data.forEach === "function") {
      data.forEach(function (value, name) { fields.push([name, String(value)]); });
    }
    elt.hsFields = fields;
    elt.hsAt = new Date();
    elt.hsUrl = event.detail.path;
  }

  function onBeforeRequest(event) {
    var elt = event.detail.elt;
    if (navigator.onLine === false && elt && elt.matches && elt.matches("form[data-outbox]")) {
      event.preventDefault();
      stash(elt);
      return;
    }
    if (event.detail.xhr) { event.detail.xhr.hsSeq = ++issued; }
  }

  function onSendError(event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("form[data-outbox]") && elt.hsFields) {
      stash(elt);
    }
  }

  function onBeforeSwap(event) {
    var detail = event.detail;
    if (SWAPPABLE_ERRORS.indexOf(detail.xhr.status) !== -1) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
    swapping = null;
    if (!detail.shouldSwap || !detail.xhr.hsSeq) { return; }
    // htmx swaps synchronously right after this event: first the out-of-band panels (see
    // onOobBeforeSwap), then the panel the request targets.
    swapping = { seq: detail.xhr.hsSeq, own: isOwnEntry(detail) };
    if (swapping.own) {
      var name = panelName(detail.target);
      if (name) { fresh[name] = issued; }
    }
  }

  function onOobBeforeSwap(event) {
    var target = event.detail.target;
    // Someone started typing or choosing in this panel after the request was sent (its skip
    // list was made before): keep what they are doing. It is refreshed once they are done.
    if (target.dataset.panel && isBusy(target)) {
      event.detail.shouldSwap = false;
      return;
    }
    if (swapping && !mayApply(target.dataset.panel, swapping.own)) {
      event.detail.shouldSwap = false;
      swapping.dropped = true;
    }
  }

  function onAfterSwapDone() {
    var dropped = swapping && swapping.dropped;
    swapping = null;
    // A panel kept its newer content: ask again, so whatever else the older answer carried
    // (another tablet's entry) is shown from a fresh read.
    if (dropped) { scheduleRefresh(); }
  }

  function onAfterRequest(event) {
    onAfterSwapDone();
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb === "post" && event.detail.successful) { loadChart(); }
  }

  // --- Start -------------------------------------------------------------------------------

  function setNet() {
    document.body.dataset.net = navigator.onLine === false ? "offline" : "online";
  }

  // A button with data-confirm asks first (stopping the pump ends the infusion).
  function onConfirmClick(event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  function onSignOut(event) {
    var form = event.target;
    if (!form.action || form.action.indexOf("/accounts/logout/") === -1 || form.hsCleared) { return; }
    event.preventDefault();
    clearOutbox().then(function () { form.hsCleared = true; form.submit(); });
  }

  function start() {
    setNet();
    window.addEventListener("online", function () { setNet(); replay(); scheduleRefresh(); });
    window.addEventListener("offline", setNet);
    document.addEventListener("submit", onSignOut, true);
    document.addEventListener("click", onConfirmClick, true);
    root = document.getElementById("live-root");
    if (!root) { return; }
    document.addEventListener("input", markDirty);
    document.addEventListener("change", markDirty);
    document.body.addEventListener("htmx:configRequest", onConfigRequest);
    document.body.addEventListener("htmx:beforeRequest", onBeforeRequest);
    document.body.addEventListener("htmx:sendError", onSendError);
    document.body.addEventListener("htmx:beforeSwap", onBeforeSwap);
    document.body.addEventListener("htmx:oobBeforeSwap", onOobBeforeSwap);
    document.body.addEventListener("htmx:afterRequest", onAfterRequest);
    document.body.addEventListener("htmx:afterSettle", function (event) { setUpKeypads(event.detail.elt || document); });
    setUpKeypads(document);
    if (window.HoldspaceLive && root.dataset.topic) {
      window.HoldspaceLive.subscribe([root.dataset.topic], function (event) {
        if (event.kind === "live.closed") { return; }
        scheduleRefresh();
      }, { kinds: LIVE_KINDS, after: root.dataset.liveAfter });
    }
    window.setInterval(tick, 1000);
    tick();
    loadChart();
    window.addEventListener("resize", function () {
      var el = document.querySelector("[data-chart]");
      if (chart && el) { chart.setSize({ width: el.clientWidth, height: 260 }); }
    });
    showPending().then(function (count) { if (count) { replay(); } });
    // A replay that stopped on a server error or a lost connection is tried again.
    window.setInterval(function () { showPending().then(function (count) { if (count) { replay(); } }); }, 10000);
  }

  window.HoldspaceOutbox = { clear: clearOutbox, pending: allPending, replay: replay };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
