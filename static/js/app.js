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

  document.addEventListener("DOMContentLoaded", function () {
    setUpReadAloud();
    setUpTerms();
    setUpSubmitOnce();
  });
})();
