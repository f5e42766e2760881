// Mijn Route: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var lang = (document.documentElement.lang || "nl").toLowerCase();

  // Read aloud: the main content in the page's language, with the phone's own voices.
  function setUpReadAloud() {
    var box = document.querySelector(".read-aloud");
    if (!box || !("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) return;
    var button = box.querySelector("button");
    var label = button.querySelector("span");
    var status = box.querySelector(".read-aloud__status");
    var speaking = false;
    box.hidden = false;

    function voiceFor(code) {
      var voices = window.speechSynthesis.getVoices();
      var base = code.split("-")[0];
      var exact = voices.filter(function (v) { return v.lang.toLowerCase().replace("_", "-") === code; });
      if (exact.length) return exact[0];
      var near = voices.filter(function (v) { return v.lang.toLowerCase().split(/[-_]/)[0] === base; });
      return near.length ? near[0] : null;
    }

    function stop() {
      window.speechSynthesis.cancel();
      speaking = false;
      label.textContent = box.dataset.read;
    }

    button.addEventListener("click", function () {
      if (speaking) { stop(); return; }
      var voice = voiceFor(lang);
      if (!voice) { status.textContent = box.dataset.noVoice; return; }
      var main = document.getElementById("main").cloneNode(true);
      main.querySelectorAll(".read-aloud, form, [hidden], [aria-hidden=true], script").forEach(function (n) { n.remove(); });
      var utterance = new SpeechSynthesisUtterance(main.innerText.replace(/\s+/g, " ").trim());
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.onend = stop;
      utterance.onerror = stop;
      status.textContent = "";
      speaking = true;
      label.textContent = box.dataset.stop;
      window.speechSynthesis.speak(utterance);
    });
    window.addEventListener("pagehide", stop);
  }

  // Browsers without the popover attribute: a tapped term opens the glossary on the help page.
  function setUpTerms() {
    if (HTMLElement.prototype.hasOwnProperty("popover")) return;
    document.querySelectorAll("button.term").forEach(function (b) {
      b.addEventListener("click", function () {
        var box = document.getElementById(b.getAttribute("popovertarget"));
        if (box) { box.hidden = !box.hidden; box.classList.add("term-popover--inline"); b.after(box); }
      });
    });
    document.querySelectorAll(".term-popover").forEach(function (p) { p.hidden = true; });
  }

  // A double tap on a submit button sends the form once.
  function setUpSubmitOnce() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
      setTimeout(function () { delete form.dataset.sending; }, 4000);
    });
  }

  // The service worker makes the app installable and keeps visited pages for offline use.
  function setUpServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
      window.mijnRouteRegistration = registration;
      refreshPushSubscription(registration);
    }).catch(function () {});
  }

  // "Offline, last updated …": shown when the page came from the phone's cache.
  function setUpOfflineNote() {
    var note = document.querySelector(".offline-note");
    if (!note) return;
    function show() {
      var meta = document.querySelector("meta[name=rendered-at]");
      var when = meta ? new Date(meta.content) : null;
      if (when && !isNaN(when)) {
        var text = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }).format(when);
        note.textContent = note.dataset.text.replace("{date}", text);
      } else {
        note.textContent = note.dataset.plain;
      }
      note.hidden = false;
    }
    if (!navigator.onLine) show();
    window.addEventListener("offline", show);
    window.addEventListener("online", function () { note.hidden = true; });
  }

  // Hours logged without a network: listed as "saved on this phone", sent when online.
  function setUpQueue() {
    var box = document.getElementById("queued");
    if (!box || !window.MijnRouteQueue) return;
    var list = box.querySelector(".queued__list");
    var status = box.querySelector(".queued__status");

    function render() {
      return MijnRouteQueue.list().then(function (entries) {
        list.textContent = "";
        entries.forEach(function (entry) {
          var item = document.createElement("li");
          var chip = document.querySelector("input[name=category][value='" + entry.category + "'] + span");
          var what = document.createElement("strong");
          what.textContent = chip ? chip.textContent : entry.category;
          var detail = document.createElement("p");
          detail.textContent = entry.date + " · " + entry.hours;
          item.appendChild(what);
          item.appendChild(detail);
          if (entry.error) {
            var error = document.createElement("p");
            error.className = "field-error";
            error.textContent = box.dataset.error + " " + entry.error;
            item.appendChild(error);
          }
          list.appendChild(item);
        });
        box.hidden = entries.length === 0;
        return entries.length;
      });
    }

    function send() {
      if (!navigator.onLine) return render();
      return MijnRouteQueue.replay().then(function (result) {
        if (result.sent) window.location.replace("/me/logbook");
        return render();
      }).catch(function () { return render(); });
    }

    // Without a service worker yet (first visit), the page keeps the entry itself when offline.
    var form = document.getElementById("log-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine) return;
        event.preventDefault();
        MijnRouteQueue.add(MijnRouteQueue.fromForm(new FormData(form))).then(render);
      });
    }
    document.getElementById("send-now").addEventListener("click", send);
    window.addEventListener("online", send);
    render().then(function (count) {
      if (count && navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) reg.sync.register("send-entries").catch(function () {});
        });
      }
      return send();
    });
  }

  function urlBase64ToUint8Array(base64) {
    var padding = "=".repeat((4 - base64.length % 4) % 4);
    var raw = atob((base64 + padding).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }

  function csrf() {
    return fetch("/api/v1/csrf-token", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) { return data.csrf_token; });
  }

  function postJSON(url, body) {
    return csrf().then(function (token) {
      return fetch(url, { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "X-CSRFToken": token } });
    });
  }

  function deviceLabel() {
    var ua = navigator.userAgent;
    var kind = /iPhone|iPad/.test(ua) ? "iPhone" : /Android/.test(ua) ? "Android" : "Browser";
    return kind + " · " + new Date().toISOString().slice(0, 10);
  }

  // The subscription is sent again on every app open, so the server's copy stays current.
  function refreshPushSubscription(registration) {
    if (!registration.pushManager || !document.querySelector("meta[name=rendered-at]")) return;
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    registration.pushManager.getSubscription().then(function (sub) {
      if (sub) postJSON("/api/v1/push/subscriptions", Object.assign(sub.toJSON(), { label: deviceLabel() }));
    }).catch(function () {});
  }

  // Settings: turn reminders on or off for this device.
  function setUpPushSettings() {
    var box = document.querySelector(".push-device");
    if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
    var on = document.getElementById("push-on"), off = document.getElementById("push-off");
    var status = box.querySelector(".push-device__status");
    var unsupported = document.querySelector(".push-unsupported");
    if (unsupported) unsupported.hidden = true;
    box.hidden = false;

    function show(state) {
      status.textContent = box.dataset[state];
      on.hidden = state === "on";
      off.hidden = state !== "on";
    }
    navigator.serviceWorker.ready.then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) { show(sub ? "on" : (Notification.permission === "denied" ? "denied" : "off")); });

    on.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { show("denied"); return null; }
        return Promise.all([navigator.serviceWorker.ready, fetch("/api/v1/push/key").then(function (r) {
          if (!r.ok) throw new Error("push off");
          return r.json();
        })]).then(function (both) {
          return both[0].pushManager.subscribe({ userVisibleOnly: true,
            applicationServerKey: urlBase64ToUint8Array(both[1].public_key) });
        }).then(function (sub) {
          return postJSON("/api/v1/push/subscriptions", Object.assign(sub.toJSON(), { label: deviceLabel() }));
        }).then(function (r) {
          if (!r.ok) throw new Error("save failed");
          show("on");
        });
      }).catch(function () { show("failed"); });
    });
    off.addEventListener("click", function () {
      navigator.serviceWorker.ready.then(function (reg) { return reg.pushManager.getSubscription(); })
        .then(function (sub) {
          if (!sub) return null;
          return postJSON("/api/v1/push/subscriptions/remove", { endpoint: sub.endpoint })
            .then(function () { return sub.unsubscribe(); });
        }).then(function () { show("off"); }).catch(function () { show("failed"); });
    });
  }

  // Android: the browser's own install prompt behind our button.
  function setUpInstall() {
    var wrap = document.querySelector(".install-prompt");
    if (!wrap) return;
    var deferred = null;
    window.addEventListener("beforeinstallprompt", function (event) {
      event.preventDefault();
      deferred = event;
      wrap.hidden = false;
    });
    document.getElementById("install-button").addEventListener("click", function () {
      if (!deferred) return;
      deferred.prompt();
      deferred.userChoice.finally(function () { deferred = null; wrap.hidden = true; });
    });
  }

  // At logout nothing of this person stays in the phone's caches (a phone may be shared).
  function setUpLogout() {
    document.querySelectorAll("form[action='/logout']").forEach(function (form) {
      form.addEventListener("submit", function () {
        if (navigator.serviceWorker && navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage("logout");
        }
        if (window.caches) caches.delete("pages-v1");
        if (window.MijnRouteQueue) MijnRouteQueue.clear();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpReadAloud();
    setUpTerms();
    setUpSubmitOnce();
    setUpServiceWorker();
    setUpOfflineNote();
    setUpQueue();
    setUpPushSettings();
    setUpInstall();
    setUpLogout();
  });
})();
