/* Lesson page heartbeat (templates/study/lesson.html). No inline scripts: the CSP forbids them.
 *
 * While the page is visible it tells the server "still reading" every few seconds
 * (data-beat-seconds, 20 by default); when the page is hidden (tab switched, phone locked) it
 * says so once and stops. The server credits only its own clock's time between visible beats of
 * one tab, capped per beat and per lesson, so nothing here can inflate study time: this script
 * only samples. Reaching the end of the text (seen on screen) is reported as read_to_end.
 */
(function () {
  "use strict";
  var article = document.getElementById("lesson");
  if (!article || !article.dataset.beatUrl || !window.fetch) return;

  var url = article.dataset.beatUrl;
  var csrf = article.dataset.csrf || "";
  var interval = Math.max(1, parseFloat(article.dataset.beatSeconds || "20")) * 1000;
  var minS = parseInt(article.dataset.minS || "0", 10);
  var tab = makeToken();
  var readToEnd = article.dataset.readToEnd === "true";
  var timer = null;
  var stopped = false;

  function makeToken() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function isVisible() { return document.visibilityState === "visible"; }

  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function show(state) {
    article.dataset.creditedS = String(state.credited_s);
    document.querySelectorAll("[data-study=credited]").forEach(function (el) { el.textContent = clock(state.credited_s); });
    document.querySelectorAll("progress[data-study=progress]").forEach(function (el) { el.value = Math.min(state.credited_s, minS); });
    toggle("[data-study=time]", state.credited_s >= state.min_s);
    toggle("[data-study=end]", state.read_to_end);
    document.querySelectorAll("[data-study=complete]").forEach(function (el) { el.hidden = !state.completed; });
    document.querySelectorAll("[data-study=incomplete]").forEach(function (el) { el.hidden = state.completed; });
  }

  function toggle(selector, done) {
    document.querySelectorAll(selector).forEach(function (el) { el.classList.toggle("done", !!done); });
  }

  function send(visible, keepalive) {
    if (stopped) return;
    var body = { tab: tab, visible: visible, client_time: new Date().toISOString() };
    if (visible && readToEnd) body.read_to_end = true;
    fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401 || response.status === 403 || response.status === 404 || response.status === 400) {
        stopped = true;  // signed out, lesson retired or page expired: reloading is the way on
        stopTimer();
        return null;
      }
      return response.ok ? response.json() : null;
    }).then(function (state) {
      if (state) show(state);
    }).catch(function () { /* offline: the next beat starts a new run; nothing to retry */ });
  }

  function startTimer() {
    stopTimer();
    timer = window.setInterval(function () {
      if (isVisible()) send(true); else stopTimer();
    }, interval);
  }

  function stopTimer() {
    if (timer !== null) { window.clearInterval(timer); timer = null; }
  }

  document.addEventListener("visibilitychange", function () {
    if (isVisible()) {
      send(true);
      startTimer();
    } else {
      stopTimer();
      send(false, true);
    }
  });
  window.addEventListener("pagehide", function () { stopTimer(); send(false, true); });

  var end = document.getElementById("lesson-end");
  if (end && !readToEnd && "IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && isVisible() && !readToEnd) {
          readToEnd = true;
          observer.disconnect();
          send(true);
        }
      });
    });
    observer.observe(end);
  } else if (end && !readToEnd) {
    // Very old browsers: check on scroll whether the end has come into view.
    var onScroll = function () {
      if (!readToEnd && isVisible() && end.getBoundingClientRect().top < window.innerHeight) {
        readToEnd = true;
        window.removeEventListener("scroll", onScroll);
        send(true);
      }
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    onScroll();
  }

  if (isVisible()) {
    send(true);
    startTimer();
  }
})();
