// Entries logged while offline: kept in IndexedDB on this phone until the server has them.
// Shared by the pages and the service worker. Each entry carries the client_uuid made when it was
// logged, so sending it twice never makes two entries.
(function (scope) {
  "use strict";
  var DB = "mijnroute", STORE = "entries";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "client_uuid" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function add(entry) { return run("readwrite", function (s) { return s.put(entry); }); }
  function remove(uuid) { return run("readwrite", function (s) { return s.delete(uuid); }); }
  function list() { return run("readonly", function (s) { return s.getAll(); }); }
  function clear() { return run("readwrite", function (s) { return s.clear(); }); }

  // A form post of the logbook → the JSON the API takes.
  function fromForm(form) {
    var hours = (form.get("hours_other") || form.get("hours") || "").replace(",", ".");
    return {
      client_uuid: form.get("client_uuid") || (scope.crypto && scope.crypto.randomUUID ? scope.crypto.randomUUID() : String(Date.now())),
      category: form.get("category") || "", date: form.get("entry_date") || "",
      hours: hours === "" ? null : Number(hours), place: form.get("place") || "", note: form.get("note") || "",
      online: form.get("online") === "1", saved_at: new Date().toISOString()
    };
  }

  var sending = null;
  // Send every queued entry. A fresh CSRF token first, so a replay hours later never fails on an
  // expired one. 201/200: the server has it (a repeat returns the saved entry). 422: kept, with the
  // server's message. 401: not logged in any more; keep everything.
  function replay() {
    if (sending) return sending;
    sending = list().then(function (entries) {
      if (!entries.length) return { sent: 0, left: 0 };
      return fetch("/api/v1/csrf-token", { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("login");
        return r.json();
      }).then(function (token) {
        var sent = 0;
        return entries.reduce(function (chain, entry) {
          return chain.then(function () {
            var body = Object.assign({}, entry);
            delete body.saved_at; delete body.error;
            return fetch("/api/v1/me/entries", {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRFToken": token.csrf_token },
              body: JSON.stringify(body)
            }).then(function (response) {
              if (response.status === 200 || response.status === 201) { sent += 1; return remove(entry.client_uuid); }
              if (response.status === 422) {
                return response.json().then(function (data) {
                  var messages = Object.keys(data.fields || {}).map(function (k) { return data.fields[k].message; });
                  entry.error = messages.join(" ");
                  return add(entry);
                });
              }
              throw new Error("status " + response.status);
            });
          });
        }, Promise.resolve()).then(function () { return list(); }).then(function (left) {
          return { sent: sent, left: left.length };
        });
      });
    }).finally(function () { sending = null; });
    return sending;
  }

  scope.MijnRouteQueue = { add: add, remove: remove, list: list, clear: clear, fromForm: fromForm, replay: replay };
})(typeof self !== "undefined" ? self : window);
