/* The exam page (templates/exams/attempt.html): one question per screen, an answer sheet,
   autosave with an offline queue, and a countdown from the server's clock.

   - No inline scripts (the CSP forbids them): the page's data comes from the JSON block
     <script type="application/json" id="exam-data">, which is never executed.
   - Plain ES5 + XMLHttpRequest, so older WeChat built-in browsers run it too.
   - Every change goes at once into a queue in localStorage (key "lawexam.exam.<attempt>") with a
     per-question sequence number that only grows; it is sent after ~1 s of quiet and leaves the
     queue only when the server's reply acknowledges that seq (or a higher one).
   - The countdown ends at local-now + time_left_s of the latest server reply; the browser's own
     clock only measures the time since that reply.
   - Without JavaScript the same page is a plain form that posts every answer. */
(function () {
  "use strict";

  var dataNode = document.getElementById("exam-data");
  var form = document.getElementById("exam");
  if (!dataNode || !form || !window.JSON || !form.querySelector || !window.Promise) return;

  var D = JSON.parse(dataNode.textContent);
  var S = D.strings;
  var STORE_KEY = "lawexam.exam." + D.attempt_id;
  var DEBOUNCE_MS = 1000;
  var POLL_MS = 120000;  // every reply re-syncs the clock; this catches officers' extensions
  var MAX_BACKOFF_MS = 30000;

  // ---- small helpers ------------------------------------------------------------------------

  function $(role, scope) { return (scope || form).querySelector('[data-role="' + role + '"]'); }
  function $$(selector, scope) { return Array.prototype.slice.call((scope || form).querySelectorAll(selector)); }
  function keys(object) { return Object.keys(object); }
  function closest(node, selector) {
    var matches = Element.prototype.matches || Element.prototype.webkitMatchesSelector || Element.prototype.msMatchesSelector;
    while (node && node.nodeType === 1) {
      if (matches.call(node, selector)) return node;
      node = node.parentNode;
    }
    return null;
  }
  function show(node, visible) { if (node) node.hidden = !visible; }
  // Server times are ISO 8601 with microseconds; some browsers only parse milliseconds.
  function parseTime(iso) { return iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")) : NaN; }

  function http(method, url, body) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url, true);
      xhr.setRequestHeader("Accept", "application/json");
      if (method !== "GET") xhr.setRequestHeader("X-CSRFToken", D.csrf);
      if (body !== undefined) xhr.setRequestHeader("Content-Type", "application/json");
      xhr.timeout = 20000;
      xhr.onload = function () {
        var type = xhr.getResponseHeader("Content-Type") || "";
        var json = null;
        if (type.indexOf("application/json") >= 0) {
          try { json = JSON.parse(xhr.responseText); } catch (error) { json = null; }
        }
        resolve({
          status: xhr.status, json: json,
          ok: xhr.status >= 200 && xhr.status < 300 && json !== null,
          // A session that ended sends the request to the sign-in page.
          signedOut: json === null && /\/login/.test(xhr.responseURL || "")
        });
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { reject(new Error("network")); };
      xhr.send(body === undefined ? null : JSON.stringify(body));
    });
  }

  // ---- local store: the queue of unsent answers, acknowledged answers, seqs, the clock ------

  function emptyStore() { return { queue: {}, acked: {}, seqs: {}, clock: null, pos: null }; }
  function loadStore() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (value && typeof value === "object") {
        var store = emptyStore();
        for (var name in store) if (value[name] !== undefined && value[name] !== null) store[name] = value[name];
        return store;
      }
    } catch (error) { /* unreadable: start afresh */ }
    return emptyStore();
  }
  var store = loadStore();
  function saveStore() {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(store)); } catch (error) {
      // Private mode or a full disk: the queue then lives only as long as the page.
    }
  }
  function forgetStore() {
    try { window.localStorage.removeItem(STORE_KEY); } catch (error) { /* nothing to forget */ }
  }

  // ---- the questions on the page ------------------------------------------------------------

  var sections = $$(".exam-q");
  var slots = sections.map(function (s) { return s.getAttribute("data-slot"); });
  var section = {};
  var types = {};
  sections.forEach(function (s, i) { section[slots[i]] = s; });
  D.slots.forEach(function (entry) { types[String(entry.slot)] = entry.type; });
  var sheetItems = {};
  $$(".sheet-item").forEach(function (a) { sheetItems[a.getAttribute("data-slot")] = a; });
  $$("input.q-blank").forEach(function (input) { input.maxLength = 500; });

  function inputs(slot) { return $$('input[name="q' + slot + '"]', section[slot]); }
  function blanks(slot) { return $$("input.q-blank", section[slot]); }

  function readAnswer(slot) {
    var type = types[slot];
    if (type === "fill") {
      var texts = blanks(slot).map(function (input) { return input.value; });
      return texts.some(function (t) { return t.trim() !== ""; }) ? texts : null;
    }
    var picked = inputs(slot).filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    if (!picked.length) return null;
    if (type === "multiple") return picked.sort();
    if (type === "truefalse") return picked[0] === "true";
    return picked[0];
  }

  function writeAnswer(slot, answer) {
    var type = types[slot];
    if (type === "fill") {
      blanks(slot).forEach(function (input, i) { input.value = answer && answer[i] !== undefined ? answer[i] : ""; });
      return;
    }
    inputs(slot).forEach(function (input) {
      if (answer === null || answer === undefined) input.checked = false;
      else if (type === "multiple") input.checked = answer.indexOf(input.value) >= 0;
      else if (type === "truefalse") input.checked = input.value === String(answer);
      else input.checked = input.value === answer;
    });
  }

  function flagBox(slot) { return $("flag", section[slot]); }
  function readFlag(slot) { var box = flagBox(slot); return !!(box && box.checked); }
  function writeFlag(slot, flagged) { var box = flagBox(slot); if (box) box.checked = !!flagged; }

  function isAnswered(answer) {
    if (answer === null || answer === undefined) return false;
    if (answer instanceof Array) return answer.some(function (a) { return typeof a !== "string" || a.trim() !== ""; });
    return true;
  }

  function showError(slot, message) {
    var node = $("q-error", section[slot]);
    if (!node) return;
    node.textContent = message || "";
    show(node, !!message);
  }

  // ---- restore: the server's acknowledged answers merged with this device's queue -----------

  (function restore() {
    var server = D.answers || {};
    slots.forEach(function (slot) {
      var s = server[slot], a = store.acked[slot], q = store.queue[slot];
      var best = s ? { answer: s.answer, flagged: !!s.flagged, seq: s.seq } : null;
      if (a && (!best || a.seq > best.seq)) best = a;  // this page may be an older, cached copy
      if (q) {
        if (!best || q.seq > best.seq) best = q;  // not yet acknowledged: the queue wins
        else delete store.queue[slot];            // acknowledged (or overtaken) already
      }
      store.seqs[slot] = Math.max(store.seqs[slot] || 0, s ? s.seq : 0, a ? a.seq : 0, q ? q.seq : 0);
      if (best) {
        writeAnswer(slot, best.answer);
        writeFlag(slot, best.flagged);
      }
    });
    saveStore();
  })();

  // ---- the clock ----------------------------------------------------------------------------

  var endAt = 0;
  var pageTime = parseTime(D.server_time);
  var pageIsStale = false;

  function setClock(timeLeftS, serverTime) {
    if (typeof timeLeftS !== "number") return;
    // Remember the latest server time seen (a reply's saved_at can be older: a stale seq).
    var previous = store.clock && store.clock.server_time;
    if (previous && (!serverTime || parseTime(previous) > parseTime(serverTime))) serverTime = previous;
    var now = Date.now();
    endAt = now + timeLeftS * 1000;
    store.clock = { server_time: serverTime || null, time_left_s: timeLeftS, local_at: now };
    saveStore();
  }

  (function startClock() {
    var c = store.clock;
    var stored = c ? parseTime(c.server_time) : NaN;
    if (c && !isNaN(stored) && !isNaN(pageTime) && stored >= pageTime) {
      // This HTML is not newer than the last reply we had (a cached copy or a reload of the
      // same copy): keep counting from that reply instead of restarting from the page's value.
      endAt = c.local_at + c.time_left_s * 1000;
      pageIsStale = true;
    } else {
      setClock(D.time_left_s, D.server_time);
    }
  })();

  var clockValue = $("clock-value");
  var clock = $("clock");
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function secondsLeft() { return Math.max(0, Math.ceil((endAt - Date.now()) / 1000)); }
  function tick() {
    var left = secondsLeft();
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clockValue.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    clock.setAttribute("data-left", String(left));
    clock.classList.toggle("low", left <= 300);
    if (left <= 0 && !stopped && Date.now() >= nextAutoTry) timeIsUp();
  }

  // ---- the save indicator and the answer sheet ----------------------------------------------

  var failures = 0;
  var notice = null;  // "signed_out" or "expired" when the server will not take saves as they are
  var stopped = false;
  var saveState = $("save-state");

  function unsavedCount() { return keys(store.queue).length; }

  function renderSave() {
    var n = unsavedCount();
    var text, state;
    if (notice) { text = S[notice]; state = "unsaved"; }
    else if (n === 0) { text = S.saved; state = "saved"; }
    else if (navigator.onLine === false || failures > 0) { text = S.unsaved.replace("{n}", n); state = "unsaved"; }
    else { text = S.saving; state = "saving"; }
    saveState.textContent = text;
    saveState.className = "save-state " + state;
    saveState.setAttribute("data-unsaved", String(n));
    saveState.setAttribute("data-state", state);
  }

  function renderSheet() {
    var answered = 0, flagged = 0;
    slots.forEach(function (slot, index) {
      var a = isAnswered(readAnswer(slot)), f = readFlag(slot);
      answered += a ? 1 : 0;
      flagged += f ? 1 : 0;
      var item = sheetItems[slot];
      if (!item) return;
      item.classList.toggle("answered", a);
      item.classList.toggle("flagged", f);
      item.classList.toggle("current", index === current);
      item.classList.toggle("unsaved", !!store.queue[slot]);
      var state = $("item-state", item);
      if (state) state.textContent = (a ? S.item_answered : S.item_unanswered) + (f ? ", " + S.item_flagged : "");
      if (index === current) item.setAttribute("aria-current", "step"); else item.removeAttribute("aria-current");
    });
    $("answered-count").textContent = answered + "/" + slots.length;
    $("count-answered").textContent = answered;
    $("count-flagged").textContent = flagged;
    $("count-unanswered").textContent = slots.length - answered;
    return slots.length - answered;
  }

  function render() { renderSave(); renderSheet(); }

  // ---- saving -------------------------------------------------------------------------------

  var inflight = {};  // slot -> the promise of the PUT being sent for it
  var debounceTimer = null, retryTimer = null;

  function record(slot) {
    if (stopped) return;
    var seq = (store.seqs[slot] || 0) + 1;
    store.seqs[slot] = seq;
    store.queue[slot] = { answer: readAnswer(slot), flagged: readFlag(slot), seq: seq };
    saveStore();  // in localStorage at once: a closed tab or a dead battery loses nothing
    showError(slot, null);
    render();
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(flush, DEBOUNCE_MS);
  }

  function sendSlot(slot) {
    var entry = store.queue[slot];
    var sending = http("PUT", D.urls.save + slot, { answer: entry.answer, seq: entry.seq, flagged: !!entry.flagged })
      .then(function (reply) { return handleSaveReply(slot, entry, reply); },
            function () { return false; })
      .then(function (ok) { delete inflight[slot]; return ok; });
    inflight[slot] = sending;
    return sending;
  }

  // true: done with this entry (saved, or refused for good); false: try again later.
  function handleSaveReply(slot, entry, reply) {
    if (reply.ok) {
      var seq = reply.json.seq;
      store.seqs[slot] = Math.max(store.seqs[slot] || 0, seq);
      if (seq === entry.seq) store.acked[slot] = entry;
      else if (seq > entry.seq) delete store.acked[slot];  // another device saved later
      var queued = store.queue[slot];
      if (queued && queued.seq <= seq) delete store.queue[slot];
      notice = null;
      setClock(reply.json.time_left_s, reply.json.saved_at);
      saveStore();
      return true;
    }
    var code = reply.json && reply.json.code;
    if (code === "time_up" || code === "finished" || code === "not_found") { finished(); return true; }
    if (reply.status === 422) {
      if (store.queue[slot] && store.queue[slot].seq === entry.seq) delete store.queue[slot];
      saveStore();
      showError(slot, S.bad_answer);
      return true;
    }
    if (reply.signedOut) notice = "signed_out";
    else if (reply.status === 400 && !code) notice = "expired";
    else if (reply.status === 400 && code === "400") notice = "expired";  // the CSRF token is stale
    return false;
  }

  function pending() { return keys(inflight).map(function (slot) { return inflight[slot]; }); }

  // Send every queued answer not already on its way; resolves when all replies are in.
  function flush() {
    clearTimeout(debounceTimer);
    if (stopped) return Promise.resolve(true);
    var sends = keys(store.queue).filter(function (slot) { return !inflight[slot]; }).map(sendSlot);
    return Promise.all(sends.concat(pending())).then(function (results) {
      if (stopped) return true;
      var ok = results.every(Boolean);
      if (ok) {
        failures = 0;
        clearTimeout(retryTimer);
        if (unsavedCount()) debounceTimer = setTimeout(flush, DEBOUNCE_MS);  // changed while sending
      } else {
        failures += 1;
        retryLater();
      }
      render();
      return ok;
    });
  }

  function retryLater() {
    clearTimeout(retryTimer);
    var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, Math.min(failures, 6) - 1)) + Math.random() * 500;
    retryTimer = setTimeout(flush, delay);
  }

  // Flush until the queue is empty; rejects when the server cannot be reached.
  function flushAll(round) {
    round = round || 0;
    if (stopped) return Promise.resolve();
    if (!unsavedCount() && !pending().length) return Promise.resolve();
    if (round > 4) return Promise.reject(new Error("queue not empty"));
    return flush().then(function (ok) {
      if (!ok) throw new Error("offline");
      return flushAll(round + 1);
    });
  }

  // Last chance when the page is hidden or closed: the browser delivers a beacon even after the
  // page is gone. The reply cannot be read, so the queue stays until the server confirms it.
  function beacon() {
    var queued = keys(store.queue);
    if (stopped || !queued.length || !navigator.sendBeacon || !window.Blob) return;
    var items = queued.map(function (slot) {
      var q = store.queue[slot];
      return { slot: Number(slot), answer: q.answer, seq: q.seq, flagged: !!q.flagged };
    });
    var body = "csrf_token=" + encodeURIComponent(D.csrf) + "&answers=" + encodeURIComponent(JSON.stringify(items));
    try {
      navigator.sendBeacon(D.urls.beacon, new Blob([body], { type: "application/x-www-form-urlencoded" }));
    } catch (error) { /* the queue is still in localStorage */ }
  }

  // What the server holds now: the clock, the state, and every acknowledged answer.
  function syncStatus() {
    if (stopped) return Promise.resolve();
    return http("GET", D.urls.status).then(function (reply) {
      if (!reply.ok) {
        if (reply.json && reply.status === 404) finished();
        else if (reply.signedOut) { notice = "signed_out"; render(); }
        return;
      }
      var body = reply.json;
      if (body.state !== "in_progress") { finished(); return; }
      setClock(body.time_left_s, body.server_time);
      var flaggedSlots = (body.flagged || []).map(String);
      keys(body.answers || {}).forEach(function (slot) {
        if (!section[slot]) return;
        var s = body.answers[slot];
        store.seqs[slot] = Math.max(store.seqs[slot] || 0, s.seq);
        if (store.queue[slot] && store.queue[slot].seq <= s.seq) delete store.queue[slot];
        var known = store.acked[slot];
        if (!store.queue[slot] && (!known || known.seq < s.seq)) {
          // Saved by a beacon or on another device: show what the server holds.
          store.acked[slot] = { answer: s.answer, flagged: flaggedSlots.indexOf(slot) >= 0, seq: s.seq };
          writeAnswer(slot, s.answer);
          writeFlag(slot, store.acked[slot].flagged);
        }
      });
      notice = null;
      failures = 0;
      saveStore();
      render();
      if (unsavedCount()) return flush();
    }, function () { /* offline: the 'online' event brings us back */ });
  }

  // ---- finishing ----------------------------------------------------------------------------

  function forgetCachedPage() {
    if (window.caches && D.sw_cache) {
      window.caches.open(D.sw_cache).then(function (cache) { return cache["delete"](location.pathname); })
        .catch(function () {});
    }
  }

  function finished() {
    if (stopped) return;
    stopped = true;
    clearTimeout(debounceTimer);
    clearTimeout(retryTimer);
    forgetStore();
    forgetCachedPage();
    window.location.replace(D.urls.result);
  }

  var submitting = false;
  var nextAutoTry = 0;  // at zero the page hands in by itself, retrying every few seconds
  var dialog = $("confirm");
  var confirmError = $("confirm-error");
  var okButton = $("confirm-ok");
  var cancelButton = $("confirm-cancel");
  var okLabel = okButton.textContent;

  function openConfirm() {
    var unanswered = renderSheet();
    $("confirm-count").textContent = unanswered ? S.unanswered.replace("{n}", unanswered) : S.all_answered;
    show(confirmError, false);
    show(cancelButton, true);
    show(dialog, true);
    okButton.focus();
  }

  // At zero: ask the server first (an officer may have given more time), then hand in.
  var checkingTime = false;
  function timeIsUp() {
    if (checkingTime || submitting) return;
    checkingTime = true;
    syncStatus().then(function () {
      checkingTime = false;
      if (!stopped && secondsLeft() <= 0) handIn(true);
    });
  }

  function closeConfirm() { if (!submitting) show(dialog, false); }

  function handIn(auto) {
    if (submitting || stopped) return;
    submitting = true;
    okButton.disabled = cancelButton.disabled = true;
    okButton.textContent = S.submitting;
    if (auto) {
      $("confirm-count").textContent = S.time_up;
      show(cancelButton, false);
      show(dialog, true);
    }
    flushAll().then(function () {
      return stopped ? null : http("POST", D.urls.submit);
    }).then(function (reply) {
      if (!reply) return;
      var code = reply.json && reply.json.code;
      if (reply.ok || code === "finished" || code === "time_up" || code === "not_found") { finished(); return; }
      if (reply.signedOut) notice = "signed_out";
      throw new Error("not handed in");
    }).catch(function () {
      if (stopped) return;
      submitting = false;
      okButton.disabled = cancelButton.disabled = false;
      okButton.textContent = okLabel;
      confirmError.textContent = notice ? S[notice] : S.submit_offline;
      show(confirmError, true);
      render();
      if (auto) nextAutoTry = Date.now() + 5000;  // the time is up: tick() tries again
    });
  }

  // ---- one question per screen, and the answer sheet ----------------------------------------

  var current = 0;
  var prevButton = $("prev"), nextButton = $("next"), position = $("position");
  var nextLabel = nextButton.textContent;
  var sheet = $("sheet"), backdrop = $("backdrop"), toggle = $("sheet-toggle"), closeButton = $("sheet-close");
  var wide = window.matchMedia ? window.matchMedia("(min-width: 960px)") : { matches: false };

  function goTo(index, focus) {
    index = Math.max(0, Math.min(sections.length - 1, index));
    sections[current].classList.remove("current");
    sections[index].classList.add("current");
    current = index;
    position.textContent = (index + 1) + " / " + sections.length;
    prevButton.disabled = index === 0;
    nextButton.textContent = index === sections.length - 1 ? S.hand_in : nextLabel;
    store.pos = index;
    saveStore();
    renderSheet();
    if (focus) {
      window.scrollTo(0, 0);
      try { sections[index].focus({ preventScroll: true }); } catch (error) { sections[index].focus(); }
    }
  }

  function openSheet() {
    sheet.classList.add("open");
    show(backdrop, true);
    toggle.setAttribute("aria-expanded", "true");
    var item = sheetItems[slots[current]];
    if (item) item.focus();
  }
  function closeSheet() {
    sheet.classList.remove("open");
    show(backdrop, false);
    toggle.setAttribute("aria-expanded", "false");
  }

  // ---- wiring -------------------------------------------------------------------------------

  form.classList.add("js-on");
  sections.forEach(function (s) { s.setAttribute("tabindex", "-1"); });
  show($("nojs-actions"), false);
  show($("nojs-note"), false);
  show($("clock-label"), true);
  show(saveState, true);
  show($("nav"), true);
  show(toggle, true);
  show(closeButton, true);

  form.addEventListener("change", function (event) {
    if (event.target.type === "text") return;  // blanks are recorded on "input"
    var box = closest(event.target, ".exam-q");
    if (box) record(box.getAttribute("data-slot"));
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") return;  // choices are recorded on "change"
    var box = closest(event.target, ".exam-q");
    if (box) record(box.getAttribute("data-slot"));
  });
  // Enter in a blank, or any other way the form gets submitted: save, never hand in.
  form.addEventListener("submit", function (event) { event.preventDefault(); flush(); });
  $$('[data-role="hand-in"]').forEach(function (button) {
    button.addEventListener("click", function (event) { event.preventDefault(); closeSheet(); openConfirm(); });
  });
  okButton.addEventListener("click", function () { handIn(false); });
  cancelButton.addEventListener("click", closeConfirm);
  prevButton.addEventListener("click", function () { goTo(current - 1, true); });
  nextButton.addEventListener("click", function () {
    if (current === sections.length - 1) openConfirm(); else goTo(current + 1, true);
  });
  toggle.addEventListener("click", function () { if (sheet.classList.contains("open")) closeSheet(); else openSheet(); });
  closeButton.addEventListener("click", closeSheet);
  backdrop.addEventListener("click", closeSheet);
  sheet.addEventListener("click", function (event) {
    var item = closest(event.target, ".sheet-item");
    if (!item) return;
    event.preventDefault();
    goTo(Number(item.getAttribute("data-index")), !wide.matches);
    if (!wide.matches) closeSheet();
    else sections[current].focus();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.keyCode === 27) { closeSheet(); closeConfirm(); }
  });

  window.addEventListener("online", function () { failures = 0; render(); syncStatus().then(flush); });
  window.addEventListener("offline", render);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beacon();
    else syncStatus();
  });
  window.addEventListener("pagehide", beacon);
  // The same attempt open in another tab: take over its newer answers and seqs, so neither tab
  // reuses a seq or overwrites the other's queue with an older copy.
  window.addEventListener("storage", function (event) {
    if (event.key !== STORE_KEY || stopped) return;
    if (!event.newValue) { syncStatus(); return; }  // handed in over there
    var other;
    try { other = JSON.parse(event.newValue); } catch (error) { return; }
    keys(other.seqs || {}).forEach(function (slot) {
      store.seqs[slot] = Math.max(store.seqs[slot] || 0, other.seqs[slot]);
    });
    ["acked", "queue"].forEach(function (part) {
      keys(other[part] || {}).forEach(function (slot) {
        var entry = other[part][slot];
        if (!section[slot] || !entry) return;
        var mine = store.queue[slot], known = store.acked[slot];
        var newest = Math.max(mine ? mine.seq : 0, known ? known.seq : 0);
        if (entry.seq <= newest) return;
        store[part][slot] = entry;
        if (part === "acked" && mine && mine.seq <= entry.seq) delete store.queue[slot];
        writeAnswer(slot, entry.answer);
        writeFlag(slot, entry.flagged);
      });
    });
    render();
  });

  // Start where the person was: the question in the address, the last one shown, or the first.
  var start = 0;
  var fromHash = /^#question-(\d+)$/.exec(location.hash || "");
  if (fromHash && slots.indexOf(fromHash[1]) >= 0) start = slots.indexOf(fromHash[1]);
  else if (typeof store.pos === "number") start = store.pos;
  goTo(start, false);
  render();
  tick();
  setInterval(tick, 500);
  setInterval(function () { if (document.visibilityState !== "hidden") syncStatus(); }, POLL_MS);
  if (pageIsStale) syncStatus();
  else if (unsavedCount()) flush();

  // Offline reload: a service worker scoped to the exam pages keeps a copy of this page and its
  // CSS and JS (network first, so online it never serves an old copy).
  if ("serviceWorker" in navigator && window.caches && D.urls.sw) {
    navigator.serviceWorker.register(D.urls.sw, { scope: D.urls.sw_scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      return window.caches.open(D.sw_cache).then(function (cache) {
        return cache.match(location.pathname).then(function (hit) {
          // The first visit came from the network, not through the worker: keep a copy now.
          if (!hit && navigator.onLine !== false) return cache.add(location.pathname);
        });
      });
    })["catch"](function () { /* no offline reload here (e.g. plain HTTP): autosave still works */ });
  }
})();
