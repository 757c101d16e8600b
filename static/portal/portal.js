/* Opsgate portal: local times, expiry countdowns, reason checks, the inbox poll. No framework. */
(function () {
  "use strict";

  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) el.textContent = d.toLocaleString();
    });
  }

  function remaining(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + m + "m";
    return m + "m " + (s % 60) + "s";
  }

  function tickCountdowns() {
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = new Date(el.getAttribute("data-expires")) - new Date();
      if (left > 0) {
        el.textContent = "expires in " + remaining(left);
        el.classList.toggle("soon", left < 15 * 60 * 1000);
        return;
      }
      el.textContent = "expired";
      el.classList.add("soon");
      var item = el.closest("[data-approval]");
      if (item) item.querySelectorAll(".decide button").forEach(function (b) { b.disabled = true; });
    });
  }

  // Reject needs a reason; so does approving a high or critical risk. The server checks it too.
  function checkReason(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.decide")) return;
    var button = event.submitter;
    if (!button) return;
    var reason = form.querySelector("[name=reason]");
    var risky = form.getAttribute("data-reason-for-approve") === "true";
    var needs = button.value === "rejected" || (button.value === "approved" && risky);
    if (needs && reason && !reason.value.trim()) {
      event.preventDefault();
      var hint = form.querySelector(".reason-error");
      if (hint) hint.hidden = false;
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
    }
  }

  function busy(container) {
    // Never swap the list under someone typing a reason or holding focus in it.
    var active = document.activeElement;
    if (active && container.contains(active) && active !== container) return true;
    return Array.prototype.some.call(container.querySelectorAll("textarea, input[type=text]"), function (el) {
      return el.value.trim() !== "";
    });
  }

  function startPoll(container) {
    var url = container.getAttribute("data-poll-url");
    var every = parseInt(container.getAttribute("data-poll-seconds") || "5", 10) * 1000;
    function poll() {
      if (document.hidden || busy(container)) return;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null || busy(container)) return;
          container.innerHTML = html;
          var list = container.querySelector("[data-count]");
          var badge = document.getElementById("inbox-count");
          if (list && badge) {
            badge.textContent = list.getAttribute("data-count");
            badge.classList.toggle("badge-zero", list.getAttribute("data-count") === "0");
          }
          localTimes(container);
          tickCountdowns();
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ });
    }
    setInterval(poll, every);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    tickCountdowns();
    setInterval(tickCountdowns, 1000);
    document.addEventListener("submit", checkReason, true);
    document.querySelectorAll("[data-poll-url]").forEach(startPoll);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  });
})();
