// Mijn Route service worker. Kept small and stable: phones that only receive pushes may run an
// old copy for a long time.
importScripts("/static/js/queue.js?v=__VERSION__");

var VERSION = "__VERSION__";
var SHELL_CACHE = "shell-" + VERSION;
var PAGE_CACHE = "pages-v1";
var SHELL = __SHELL__;
var PAGES = __PAGES__;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== SHELL_CACHE && n !== PAGE_CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(url) { return PAGES.indexOf(url.pathname) !== -1; }

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  // Logging hours without a network: keep the entry on the phone and show the logbook.
  if (request.method === "POST" && url.pathname === "/me/logbook") {
    var copy = request.clone();
    event.respondWith(fetch(request).catch(function () {
      return copy.formData().then(function (form) {
        return self.MijnRouteQueue.add(self.MijnRouteQueue.fromForm(form));
      }).then(function () {
        if (self.registration.sync) self.registration.sync.register("send-entries").catch(function () {});
        return Response.redirect("/me/logbook?queued=1", 303);
      });
    }));
    return;
  }
  if (request.method !== "GET") return;

  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && isPage(url) && !response.redirected) {
        var clone = response.clone();
        caches.open(PAGE_CACHE).then(function (cache) { cache.put(url.pathname, clone); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname, { ignoreSearch: true }).then(function (hit) {
        return hit || caches.match("/offline");
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === "send-entries") event.waitUntil(self.MijnRouteQueue.replay());
});

self.addEventListener("message", function (event) {
  // At logout nothing of this person may stay on a shared phone.
  if (event.data === "logout") {
    event.waitUntil(Promise.all([caches.delete(PAGE_CACHE), self.MijnRouteQueue.clear()]));
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Mijn Route", {
    body: data.body || "", tag: data.tag, renotify: false, data: { url: data.url || "/" },
    icon: "/static/icons/icon-192.png", badge: "/static/icons/favicon-32.png"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if ("focus" in list[i]) { list[i].navigate(target); return list[i].focus(); }
    }
    return self.clients.openWindow(target);
  }));
});
