/* LawExam exam-page service worker: lets an exam page be reloaded without a network.
   Scope: the exam pages only ({{ scope }}). Network first, always: online, the person gets
   fresh HTML from the server; the cached copy is used only when the network does not answer
   (or the server answers 502/503/504). Answers never live here: exam.js keeps them in
   localStorage and sends them through the JSON API. */
"use strict";
var CACHE = {{ cache|tojson }};
var SHELL = {{ shell|tojson }};
var SCOPE = {{ scope|tojson }};
var EXAM_PAGE = /^\/\d+\/?$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("lawexam-exam-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function isExamPage(request, url) {
  return request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0 &&
    EXAM_PAGE.test(url.pathname.slice(SCOPE.length - 1));
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var page = isExamPage(request, url);
  if (!page && SHELL.indexOf(url.pathname) < 0) return;  // everything else: straight to the network
  var key = url.origin + url.pathname;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(key, copy); });
      return response;
    }
    if (response.status >= 502 && response.status <= 504) {
      return caches.match(key).then(function (hit) { return hit || response; });
    }
    if (page) {
      // Finished (redirects to its result), signed out or gone: forget the copy.
      caches.open(CACHE).then(function (cache) { return cache.delete(key); });
    }
    return response;
  }, function () {
    return caches.match(key).then(function (hit) { return hit || Response.error(); });
  }));
});
