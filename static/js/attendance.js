// Mijn Route: QR attendance enhancements. Both pages work without this file:
// the trainer's page reloads itself (a <noscript> refresh), and the scan page explains how to
// use the phone's own camera.
(function () {
  "use strict";

  // Trainer: a fresh code and the live list at every new 30-second slot, without reloading the
  // page, so a keyboard or screen-reader user never loses their place.
  function setUpTrainer() {
    var live = document.getElementById("live-code");
    if (!live || !window.fetch || !window.DOMParser) return;
    var url = live.getAttribute("data-url") || window.location.pathname;

    function schedule(seconds) {
      var wait = parseInt(seconds, 10);
      if (!(wait > 0 && wait <= 60)) wait = 30;
      window.setTimeout(refresh, wait * 1000);
    }

    function swap(id, doc) {
      var here = document.getElementById(id);
      var there = doc.getElementById(id);
      if (!here || !there) return;
      // Leave a part alone while someone is working in it.
      if (here.contains(document.activeElement) && document.activeElement !== document.body) return;
      if (here.innerHTML !== there.innerHTML) here.innerHTML = there.innerHTML;
      Array.prototype.forEach.call(there.attributes, function (attr) {
        if (attr.name.indexOf("data-") === 0) here.setAttribute(attr.name, attr.value);
      });
    }

    function refresh() {
      if (document.hidden) { schedule(5); return; }
      window.fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
        .then(function (response) {
          // Logged out meanwhile (a redirect to the login page): stop quietly.
          if (!response.ok || response.redirected) throw new Error("status " + response.status);
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          swap("live-code", doc);
          swap("attendees-list", doc);
          var count = document.getElementById("attendees-count");
          var newCount = doc.getElementById("attendees-count");
          if (count && newCount && count.textContent !== newCount.textContent) count.textContent = newCount.textContent;
          var next = doc.getElementById("live-code");
          schedule(next ? next.getAttribute("data-refresh-in") : 30);
        })
        .catch(function () { schedule(30); });
    }

    schedule(live.getAttribute("data-refresh-in"));
  }

  // Statushouder: scan inside the app where the browser can read QR codes (BarcodeDetector).
  function setUpScanner() {
    var box = document.getElementById("scanner");
    if (!box) return;
    var unsupported = document.getElementById("scan-unsupported");
    var toggle = document.getElementById("scan-toggle");
    var video = document.getElementById("scan-video");
    var status = document.getElementById("scan-status");
    var stream = null;
    var detector = null;
    var busy = false;

    function notSupported() { if (unsupported) unsupported.hidden = false; }

    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      notSupported();
      return;
    }

    function say(text) { status.textContent = text || ""; }

    function attendUrl(raw) {
      try {
        var url = new URL(raw, window.location.href);
        if (url.origin === window.location.origin && /^\/attend\/[0-9a-fA-F-]{36}\/\d+\/[A-Za-z0-9_-]+$/.test(url.pathname)) {
          return url.href;
        }
      } catch (e) { /* not a URL */ }
      return null;
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      video.srcObject = null;
      toggle.textContent = box.getAttribute("data-start");
    }

    function look() {
      if (!stream || busy) return;
      busy = true;
      detector.detect(video).then(function (codes) {
        busy = false;
        for (var i = 0; i < codes.length; i++) {
          var target = attendUrl(codes[i].rawValue);
          if (target) {
            say(box.getAttribute("data-found"));
            stop();
            window.location.assign(target);
            return;
          }
        }
        if (codes.length) say(box.getAttribute("data-wrong"));
        window.setTimeout(look, 250);
      }).catch(function () {
        busy = false;
        window.setTimeout(look, 500);
      });
    }

    function start() {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          toggle.textContent = box.getAttribute("data-stop");
          say(box.getAttribute("data-looking"));
          return video.play();
        })
        .then(look)
        .catch(function () {
          stop();
          say(box.getAttribute("data-denied"));
        });
    }

    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") === -1) { notSupported(); return; }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      box.hidden = false;
      toggle.addEventListener("click", function () { if (stream) { stop(); say(""); } else { start(); } });
      window.addEventListener("pagehide", stop);
    }).catch(notSupported);
  }

  function init() {
    setUpTrainer();
    setUpScanner();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
