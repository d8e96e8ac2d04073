/* Active Bill console page: refresh the preview as you type (optional; the page works without it).
   Posts the form, CSRF token included, to the preview route, debounced; the last answer wins. */
(function () {
  "use strict";
  var form = document.getElementById("bill-form");
  var frame = document.getElementById("bill-preview");
  var status = document.getElementById("preview-status");
  if (!form || !frame || !window.fetch || !window.URLSearchParams) { return; }
  var timer = null;
  var latest = 0;

  function say(text) { if (status) { status.textContent = text; } }

  function refresh() {
    var mine = ++latest;
    var data = new URLSearchParams(new FormData(form));
    data.delete("action");
    fetch(form.getAttribute("data-preview"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      return response.text().then(function (text) { return { ok: response.ok, text: text }; });
    }).then(function (answer) {
      if (mine !== latest) { return; }
      if (answer.ok) {
        frame.srcdoc = answer.text;
        say("Preview shows your unsaved changes. Save to apply them.");
        return;
      }
      var doc = new DOMParser().parseFromString(answer.text, "text/html");
      var detail = doc.querySelector("main p");
      say("Preview not updated — " + (detail ? detail.textContent : "check the fields"));
    }).catch(function () { say("Preview not updated (network error)."); });
  }

  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
