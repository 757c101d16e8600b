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

  // Amber under an hour, red under ten minutes: the thresholds come from the page (the server
  // renders the first state with the same ones), and the flag word says it without colour.
  var URGENCY_FLAGS = { amber: "Soon", red: "Urgent" };

  function urgency(el, left) {
    var amber = parseInt(el.getAttribute("data-amber-seconds") || "3600", 10) * 1000;
    var red = parseInt(el.getAttribute("data-red-seconds") || "600", 10) * 1000;
    if (left <= 0) return "expired";
    if (left < red) return "red";
    return left < amber ? "amber" : "";
  }

  function showUrgency(el, level) {
    ["amber", "red", "expired"].forEach(function (name) {
      el.classList.toggle("countdown-" + name, level === name);
    });
    el.setAttribute("data-urgency", level || "none");
  }

  function tickCountdowns() {
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = new Date(el.getAttribute("data-expires")) - new Date();
      var level = urgency(el, left);
      showUrgency(el, level);
      if (level !== "expired") {
        var flag = URGENCY_FLAGS[level];
        el.textContent = (flag ? flag + ": " : "") + "expires in " + remaining(left);
        return;
      }
      el.textContent = "expired";
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

  // Which "Raw event"/"Recent journal" sections are open, so a refresh keeps them open.
  function openSections(container) {
    var open = [];
    container.querySelectorAll("[data-approval] details[open]").forEach(function (section) {
      var item = section.closest("[data-approval]");
      var index = Array.prototype.indexOf.call(item.querySelectorAll("details"), section);
      open.push([item.getAttribute("data-approval"), index]);
    });
    return open;
  }

  function reopen(container, open) {
    open.forEach(function (entry) {
      var item = container.querySelector('[data-approval="' + entry[0] + '"]');
      var section = item && item.querySelectorAll("details")[entry[1]];
      if (section) section.open = true;
    });
  }

  function showCount(count) {
    var badge = document.getElementById("inbox-count");
    if (!badge || badge.textContent === count) return;
    badge.textContent = count;
    badge.setAttribute("aria-label", count + " pending");
    badge.classList.toggle("badge-zero", count === "0");
    var status = document.getElementById("inbox-status");
    if (status) status.textContent = count + " pending approval" + (count === "1" ? "" : "s");
  }

  // The inbox asks for its list again every few seconds. It never replaces the list under the
  // pointer (a new risky item would shift the buttons under a click) or under someone typing; the
  // new list waits until the pointer leaves. One request at a time; a tenant switched in another
  // tab reloads the page rather than mixing tenants.
  function startPoll(container) {
    var url = container.getAttribute("data-poll-url");
    var tenant = container.getAttribute("data-tenant");
    var every = parseInt(container.getAttribute("data-poll-seconds") || "5", 10) * 1000;
    var inFlight = false, hovered = false, last = null, waiting = null;

    function apply(html) {
      var open = openSections(container);
      container.innerHTML = html;
      last = html;
      waiting = null;
      reopen(container, open);
      localTimes(container);
      tickCountdowns();
    }

    container.addEventListener("mouseenter", function () { hovered = true; });
    container.addEventListener("mouseleave", function () {
      hovered = false;
      if (waiting !== null && !busy(container)) apply(waiting);
    });

    function poll() {
      if (inFlight || document.hidden) return;
      inFlight = true;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) {
          // Signed out meanwhile (the session ended): show the login page instead of pasting it in.
          if (r.redirected) { window.location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html === null) return;
          var probe = document.createElement("div");
          probe.innerHTML = html;
          var root = probe.querySelector("[data-count]");
          if (!root) return;
          if (root.getAttribute("data-tenant") !== tenant) { window.location.reload(); return; }
          showCount(root.getAttribute("data-count"));
          if (html === last) return;
          if (hovered || busy(container)) { waiting = html; return; }
          apply(html);
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ })
        .finally(function () { inFlight = false; });
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
