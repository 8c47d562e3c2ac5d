/* Adviser console live updates: the waiting count, the Handoffs queue and an open transcript, kept
   current by polling /console/live/status; opt-in alerts (notification + beep) for a new request.
   No framework, no inline script; every piece of text goes in with textContent, never as HTML. */
(function () {
  "use strict";

  var EVERY_MS = 5000, HIDDEN_MS = 30000, MAX_MS = 60000;
  var body = document.body;
  var liveUrl = body.getAttribute("data-live-url");
  var adviser = body.getAttribute("data-adviser");
  if (!liveUrl || !adviser || !window.fetch) { return; }

  var alertsKey = "coach-console-alerts:" + adviser;
  var seenKey = "coach-console-seen:" + adviser;
  var failures = 0, timer = null, busy = false, stopped = false, audio = null;
  var turns = document.getElementById("live-turns");
  var conversation = turns ? turns.getAttribute("data-conversation") : null;
  var after = turns ? turns.getAttribute("data-after") || "0" : "0";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) { continue; }
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return parent;
  }

  /* Jinja's truncate(length, killwords=True, end='…') as the templates use it. */
  function truncate(text, length) {
    text = text || "";
    return text.length <= length + 5 ? text : text.slice(0, length - 1) + "…";
  }

  function storage(get, key, value) {
    try {
      if (get) { return window.localStorage.getItem(key); }
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* storage disabled: alerts stay off */ }
    return null;
  }

  /* ---- the waiting count in the navigation ---- */
  function showWaiting(count) {
    var badge = document.getElementById("live-waiting");
    if (!badge) { return; }
    badge.querySelector(".n").textContent = String(count);
    badge.classList.toggle("zero", count === 0);
  }

  /* ---- the Handoffs queue ---- */
  function fact(list, term, value, always) {
    if (!value && !always) { return; }
    add(list, el("dt", null, term), el("dd", null, value || "—"));
  }

  function card(item, claimUrl) {
    var li = el("li", "card");
    li.setAttribute("data-sender", item.sender_id);
    var head = el("div", "queue-head");
    var link = el("a");
    link.href = item.url + "#handoff";
    link.appendChild(el("code", "id", truncate(item.sender_id, 30)));
    var channel = el("span", "chan chan-" + (item.channel || "unknown"), item.channel || "—");
    var pill = item.claimed_by ? el("span", "pill live", "with " + item.claimed_by)
      : el("span", "pill amber waited", "waiting " + item.waited);
    add(head, link, " ", channel, " ", pill, " ", el("span", "muted small", "asked " + item.asked));
    var facts = el("dl", "facts inline");
    fact(facts, "Stage", item.stage, true);
    fact(facts, "Subject", item.subject, false);
    fact(facts, "Current role", item.current_role, false);
    fact(facts, "Goal", item.goal, true);
    fact(facts, "Qualifications", item.qualifications, true);
    var snippet = el("p", "snippet", "Last message: “" + truncate(item.last_message, 160) + "”");
    var action = el("div", "queue-action");
    if (item.claimed_by) {
      var open = el("a", "button", "Open");
      open.href = item.url + "#handoff";
      action.appendChild(open);
    } else {
      var form = el("form");
      form.method = "post";
      form.action = claimUrl;
      var token = document.querySelector("input[name=csrf_token]");
      var claim = el("button", "primary", "Claim");
      claim.type = "submit";
      add(form, hidden("csrf_token", token ? token.value : ""), hidden("sender_id", item.sender_id), claim);
      action.appendChild(form);
    }
    add(li, add(el("div"), head, facts, snippet), action);
    return li;
  }

  function hidden(name, value) {
    var input = el("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function squeezed(node) { return node.textContent.replace(/\s+/g, ""); }

  function showQueue(status) {
    var requested = document.getElementById("live-requested");
    if (requested) { requested.textContent = status.requested.toLocaleString("en-GB"); }
    var queue = document.getElementById("live-queue");
    if (!queue) { return; }
    var claimUrl = queue.getAttribute("data-claim-url");
    var existing = {};
    Array.prototype.forEach.call(queue.children, function (li) { existing[li.getAttribute("data-sender")] = li; });
    var previous = null;
    status.queue.forEach(function (item) {
      var li = existing[item.sender_id];
      delete existing[item.sender_id];
      if (li) {
        var waited = li.querySelector(".waited");
        if (waited && !item.claimed_by) { waited.textContent = "waiting " + item.waited; }
        var fresh = card(item, claimUrl);
        if (squeezed(fresh) !== squeezed(li)) { queue.replaceChild(fresh, li); li = fresh; }
      } else {
        li = card(item, claimUrl);
        li.classList.add("new");
      }
      var wanted = previous ? previous.nextElementSibling : queue.firstElementChild;
      if (wanted !== li) { queue.insertBefore(li, wanted); }
      previous = li;
    });
    Object.keys(existing).forEach(function (sender) { queue.removeChild(existing[sender]); });
    var empty = document.getElementById("live-empty");
    if (empty) { empty.hidden = status.queue.length > 0; }
    var limit = document.getElementById("live-limit");
    if (limit) { limit.hidden = status.requested <= status.queue_limit; }
  }

  /* ---- an open transcript ---- */
  function turnNode(turn) {
    var li;
    if (turn.kind === "user") {
      li = el("li", "turn user" + (turn.fallback ? " fallback" : "") + (turn.negative ? " negative" : ""));
      var nlu = el("div", "nlu");
      if (turn.intent) { add(nlu, el("span", "intent", turn.intent), " "); }
      if (turn.confidence) { add(nlu, el("span", "conf" + (turn.fallback ? " low" : ""), turn.confidence), " "); }
      (turn.entities || []).forEach(function (e) { add(nlu, el("span", "entity", e), " "); });
      if (turn.fallback) { add(nlu, el("span", "pill red", "misunderstood"), " "); }
      if (turn.negative) { add(nlu, el("span", "pill red", "negative feedback"), " "); }
      if (turn.not_covered) { add(nlu, el("span", "pill violet", "not covered by the sources")); }
      add(li, add(el("div", "who", "Learner "), el("time", null, turn.time)), el("div", "bubble", turn.text), nlu);
    } else if (turn.kind === "bot") {
      li = el("li", "turn bot" + (turn.adviser ? " adviser" : ""));
      var who = el("div", "who", turn.adviser ? "Adviser " + turn.adviser + " " : "Coach ");
      add(li, add(who, el("time", null, turn.time)), el("div", "bubble", turn.text));
      if (turn.buttons && turn.buttons.length) {
        var buttons = el("div", "buttons-shown");
        turn.buttons.forEach(function (b) { buttons.appendChild(el("span", null, b)); });
        li.appendChild(buttons);
      }
    } else if (turn.kind === "meta") {
      li = el("li", "meta" + (turn.fallback ? " fallback" : ""));
      (turn.actions || []).forEach(function (a) { add(li, el("span", "action", a), " "); });
      (turn.slots || []).forEach(function (s) { add(li, el("span", "slot", s), " "); });
    } else {
      li = add(el("li", "marker"), el("span", null, turn.text + " · " + turn.time));
    }
    li.id = "e" + turn.id;
    li.classList.add("new");
    return li;
  }

  function showConversation(found) {
    after = String(found.after);
    turns.setAttribute("data-after", after);
    found.turns.forEach(function (turn) {
      if (document.getElementById("e" + turn.id)) { return; }
      var empty = turns.querySelector("li.empty");
      if (empty) { turns.removeChild(empty); }
      turns.appendChild(turnNode(turn));
    });
    var panel = document.getElementById("handoff");
    if (!panel) { return; }
    var state = found.claimant_id !== null ? (String(found.claimant_id) === adviser ? "mine" : "other")
      : found.handoff_requested ? "requested" : "none";
    if (state === panel.getAttribute("data-claim-state")) { return; }
    var text = state === "other" ? "Now claimed by " + found.claimed_by + "."
      : state === "mine" ? "You now hold this conversation."
      : state === "requested" ? "The learner has just asked for an adviser." : "This conversation was handed back.";
    panelNote(panel, text + " ");
  }

  function panelNote(panel, text) {
    var note = panel.querySelector(".live-note");
    if (!note) {
      note = el("p", "live-note");
      note.setAttribute("role", "status");
      panel.insertBefore(note, panel.children[1] || null);
    }
    note.textContent = text;
    var reload = el("a", null, "Reload to act on it");
    reload.href = window.location.pathname + window.location.search + "#handoff";
    note.appendChild(reload);
  }

  function stopConversation(message) {
    conversation = null;
    var panel = document.getElementById("handoff");
    if (panel) { panelNote(panel, message + " "); }
  }

  /* ---- alerts for a new request ---- */
  function alertsOn() { return storage(true, alertsKey) === "1"; }

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") { audio.resume(); }
      var tone = audio.createOscillator(), volume = audio.createGain(), now = audio.currentTime;
      tone.type = "sine";
      tone.frequency.value = 880;
      volume.gain.setValueAtTime(0.0001, now);
      volume.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, now + 0.25);
      tone.connect(volume);
      volume.connect(audio.destination);
      tone.start(now);
      tone.stop(now + 0.3);
    } catch (e) { /* no sound available */ }
  }

  function notify(fresh, waiting) {
    if (!alertsOn()) { return; }
    beep();
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    var channels = fresh.map(function (item) { return item.channel || "unknown channel"; }).join(", ");
    // No learner text in the notification: the operating system may show it on a locked screen.
    var note = new Notification(fresh.length === 1 ? "A learner asked for an adviser" :
      fresh.length + " learners asked for an adviser", {
        body: waiting + " waiting · " + channels, tag: "coach-console-handoff"});
    note.onclick = function () {
      window.focus();
      window.location.href = document.querySelector("nav a[href$='/handoffs']").href;
      note.close();
    };
  }

  /* Requests not seen before by any of this adviser's tabs (the first poll only records them). */
  function newRequests(status) {
    var waiting = status.queue.filter(function (item) { return !item.claimed_by; });
    var stored = storage(true, seenKey), seen = null;
    try { seen = stored ? JSON.parse(stored) : null; } catch (e) { seen = null; }
    var ids = waiting.map(function (item) { return item.sender_id; });
    storage(false, seenKey, JSON.stringify(ids.slice(0, 200)));
    if (!Array.isArray(seen)) { return []; }
    return waiting.filter(function (item) { return seen.indexOf(item.sender_id) < 0; });
  }

  function showAlertsButton() {
    var button = document.getElementById("live-alerts");
    if (!button) { return; }
    var on = alertsOn();
    button.textContent = on ? "Alerts on" : "Alerts off";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.title = on ? "A notification and a beep for each new request; click to turn off"
      : "Click for a notification and a beep when a learner asks for an adviser";
    button.hidden = false;
  }

  function toggleAlerts() {
    if (alertsOn()) {
      storage(false, alertsKey, null);
    } else {
      storage(false, alertsKey, "1");
      beep();  // created on a click, so the browser lets it play later; also confirms the sound
      if ("Notification" in window && Notification.permission === "default") {
        Notification.requestPermission();
      }
    }
    showAlertsButton();
  }

  /* ---- polling ---- */
  function schedule(ms) {
    clearTimeout(timer);
    if (!stopped) { timer = setTimeout(poll, ms); }
  }

  function nextDelay() {
    if (failures) { return Math.min(MAX_MS, EVERY_MS * Math.pow(2, failures)); }
    return document.hidden ? HIDDEN_MS : EVERY_MS;
  }

  function poll() {
    if (busy || stopped) { return; }
    busy = true;
    var url = new URL(liveUrl, window.location.href);
    if (conversation !== null) {
      url.searchParams.set("conversation", conversation);
      url.searchParams.set("after", after);
    }
    fetch(url.toString(), {credentials: "same-origin", cache: "no-store", redirect: "error",
                           headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (data) { return {code: response.status, data: data}; });
      })
      .then(function (answer) {
        var data = answer.data;
        if (answer.code === 401) {
          stopped = true;
          var badge = document.getElementById("live-waiting");
          if (badge) { badge.title = data.error; }
          return;
        }
        if (answer.code === 403 || answer.code === 404) {
          stopConversation(data.error);
          failures = 0;
          return;
        }
        if (answer.code !== 200) { throw new Error(data.error || "HTTP " + answer.code); }
        failures = 0;
        showWaiting(data.waiting);
        showQueue(data);
        if (data.conversation && turns && conversation !== null) { showConversation(data.conversation); }
        var fresh = newRequests(data);
        if (fresh.length) { notify(fresh, data.waiting); }
      })
      .catch(function () { failures = Math.min(failures + 1, 6); })
      .then(function () {
        busy = false;
        schedule(nextDelay());
      });
  }

  var button = document.getElementById("live-alerts");
  if (button) {
    button.addEventListener("click", toggleAlerts);
    showAlertsButton();
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !busy) { schedule(0); }
  });
  window.addEventListener("storage", function (event) {
    if (event.key === alertsKey) { showAlertsButton(); }
  });
  schedule(document.hidden ? HIDDEN_MS : EVERY_MS);
})();
