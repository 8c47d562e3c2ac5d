/* Career Coach chat widget: no build step, no dependencies, messages always shown as text.
   Embedding and server API: docs/webchat.md. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  if (!script || window.__careerCoachWidget) return;
  window.__careerCoachWidget = true;

  var ds = script.dataset;
  var src = new URL(script.src, location.href);
  var serverUrl = ds.server || (src.protocol + "//" + src.hostname + ":5005");
  var cfg = {
    api: serverUrl.replace(/\/+$/, "") + "/webhooks/webchat",
    title: (ds.title || "Career Coach").slice(0, 60),
    greeting: ds.greeting || "",
    accent: /^#[0-9a-f]{6}$/i.test(ds.accent || "") ? ds.accent : "#0b5cad",
    left: ds.position === "left",
    open: ds.open === "true",
    career: ds.career
  };
  var KEY = "careerCoach:" + cfg.api;
  var POLL_OPEN = 3000, POLL_CLOSED = 15000, TIMEOUT = 25000;

  var store = load();
  var S = {
    open: false, cursor: 0, seen: store.seen || 0, unread: 0, offline: false, failures: 0,
    ready: false, starting: null, pollTimer: 0, busy: 0, known: {}, flying: {}, maxChars: store.maxChars || 1000
  };

  /* storage */
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function save() {
    store.seen = S.seen; store.maxChars = S.maxChars;
    try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* private mode: memory only */ }
  }
  function newId() { /* 96 random bits (no crypto.randomUUID on plain http) */
    return [].map.call(crypto.getRandomValues(new Uint32Array(3)), function (n) { return (n + 4294967296).toString(36); }).join("-");
  }

  /* DOM helpers (text always via textContent) */
  function el(tag, cls, text, attrs, parent) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    set(node, attrs);
    return parent ? parent.appendChild(node) : node;
  }
  function set(node, attrs) {
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    return node;
  }
  function icon(d, cls) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    set(svg, { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false", "class": cls || "" });
    svg.appendChild(set(document.createElementNS(ns, "path"), { d: d }));
    return svg;
  }
  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z";
  var ICON_CLOSE = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z";
  var ICON_SEND = "M3 20.5 21.5 12 3 3.5v6.6l13 1.9-13 1.9z";
  var NO_HELP = "This answer didn't help";
  var ICON_RESTART = "M12 5V2L7.5 6.5 12 11V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z";

  /* Safe light formatting: **bold**, http(s) links, line breaks, "- " bullet lists. */
  var INLINE = /\*\*([^*\n]+)\*\*|(https?:\/\/[^\s<>"']+)/g;
  function inline(parent, text) {
    var last = 0, m;
    INLINE.lastIndex = 0;
    while ((m = INLINE.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      if (m[1]) {
        parent.appendChild(el("strong", null, m[1]));
        last = INLINE.lastIndex;
        continue;
      }
      var url = m[2].replace(/[.,;:!?)\]]+$/, ""), link = safeUrl(url);
      if (link) {
        var a = el("a", null, url);
        a.href = link;
        a.target = "_blank";
        a.rel = "noopener noreferrer nofollow";
        parent.appendChild(a);
      } else parent.appendChild(document.createTextNode(url));
      last = m.index + url.length;
      INLINE.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }
  function safeUrl(raw) {
    try {
      var u = new URL(raw);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) { return null; }
  }
  function formatted(text) {
    var box = document.createDocumentFragment(), list = null, para = null;
    String(text).split("\n").forEach(function (line) {
      var bullet = /^\s*(?:[-*\u2022])\s+(.*)$/.exec(line);
      if (bullet) {
        para = null;
        if (!list) list = box.appendChild(el("ul"));
        inline(list.appendChild(el("li")), bullet[1]);
      } else if (!line.trim()) {
        list = para = null;
      } else {
        list = null;
        if (/^Sources?:/.test(line)) { para = null; inline(box.appendChild(el("p", "src")), line); return; }
        if (para) para.appendChild(el("br"));
        else para = box.appendChild(el("p"));
        inline(para, line);
      }
    });
    return box;
  }

  /* build the widget */
  var HIDE = { "aria-hidden": "true" };
  var host = el("div", null, null, { id: "career-coach-widget" });
  var root = host.attachShadow({ mode: "open" });
  var css = el("link", null, null, { rel: "stylesheet", href: new URL("widget.css", src).href }, root);
  var wrap = el("div", "cc" + (cfg.left ? " left" : ""), null, null, root);
  wrap.hidden = true; /* until its styles arrive */
  css.onload = css.onerror = function () { wrap.hidden = false; };
  wrap.style.setProperty("--accent", cfg.accent);
  wrap.style.setProperty("--on-accent", onAccent(cfg.accent));
  var live = el("div", "sr", null, { "aria-live": "polite" }, wrap);

  var panel = el("section", "panel", null, { id: "cc-panel", role: "dialog", "aria-labelledby": "cc-title" }, wrap);
  panel.hidden = true;
  var head = el("header", "head", null, null, panel);
  el("span", "avatar", initials(cfg.title), HIDE, head);
  var titles = el("div", "titles", null, null, head);
  el("h2", null, cfg.title, { id: "cc-title" }, titles);
  el("p", "status", "Automated careers assistant", null, titles);
  var restartBtn = head.appendChild(iconButton(ICON_RESTART, "Start over"));
  var closeBtn = head.appendChild(iconButton(ICON_CLOSE, "Close chat"));

  var confirmBar = el("div", "confirm", null, null, panel);
  confirmBar.hidden = true;
  el("p", null, "Start a new conversation? This one will be cleared from this device.", null, confirmBar);
  var confirmYes = el("button", "primary", "Start over", { type: "button" }, confirmBar);
  var confirmNo = el("button", "plain", "Cancel", { type: "button" }, confirmBar);

  var log = el("div", "log", null, { role: "region", "aria-label": "Conversation", tabindex: "0" }, panel);
  var list = el("ol", "messages", null, null, log);
  var pending = el("ol", "messages", null, null, log);
  var typing = el("div", "typing", null, null, log);
  typing.hidden = true;
  var dots = el("span", "dots", null, HIDE, typing);
  for (var i = 0; i < 3; i++) el("i", null, null, null, dots);
  el("span", "sr", cfg.title + " is typing", null, typing);

  var banner = el("p", "banner", null, { role: "status" }, panel);
  banner.hidden = true;
  var form = el("form", "composer", null, null, panel);
  el("label", "sr", "Type your question", { "for": "cc-input" }, form);
  var input = el("textarea", null, null, { id: "cc-input", rows: "1", placeholder: "Type your question\u2026" }, form);
  input.maxLength = S.maxChars;
  var sendBtn = form.appendChild(iconButton(ICON_SEND, "Send"));
  set(sendBtn, { type: "submit", "class": "icon send" }).disabled = true;
  var counter = el("p", "counter", null, { "aria-live": "polite" }, panel);
  counter.hidden = true;
  el("p", "foot", "Automated answers from a careers guide. Please don't share personal details.", null, panel);

  var launcher = el("button", "launcher", null, { type: "button", "aria-expanded": "false", "aria-controls": "cc-panel" }, wrap);
  launcher.appendChild(icon(ICON_CHAT, "i-chat"));
  launcher.appendChild(icon(ICON_CLOSE, "i-close"));
  var badge = el("span", "badge", null, HIDE, launcher);
  badge.hidden = true;
  updateLauncher();

  function iconButton(d, name) {
    var b = el("button", "icon", null, { type: "button", "aria-label": name, title: name });
    b.appendChild(icon(d));
    return b;
  }
  function initials(title) {
    return title.split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) { return w[0].toUpperCase(); }).join("");
  }
  function onAccent(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    return 1.05 / (lum + 0.05) >= 4.5 ? "#ffffff" : "#000";
  }

  /* rendering */
  function render(msg, into) {
    var item = el("li", "msg " + (msg.from === "user" ? "user" : "bot") + (msg.adviser ? " adviser" : "") + (msg.notice ? " notice" : ""));
    item.dataset.id = msg.id;
    var who = msg.from === "user" ? "You" : msg.adviser ? msg.adviser + " (careers adviser)" : cfg.title;
    item.appendChild(el("span", "sr", who + " said:"));
    var bubble = item.appendChild(el("div", "bubble"));
    bubble.appendChild(formatted(msg.text || ""));
    if (msg.buttons && msg.buttons.length) {
      var group = el("div", "replies", null, { role: "group", "aria-label": "Suggested replies" }, item);
      msg.buttons.forEach(function (b) {
        var btn = el("button", "reply", b.title, { type: "button" }, group);
        btn.addEventListener("click", function () {
          if (btn.disabled) return;
          btn.classList.add("chosen");
          send(b.payload, b.title);
        });
      });
    }
    var meta = item.appendChild(el("p", "meta"));
    if (msg.adviser) meta.appendChild(el("span", "who", msg.adviser + " \u00b7 careers adviser"));
    if (msg.time) {
      var d = new Date(msg.time * 1000);
      el("time", null, d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), { datetime: d.toISOString() }, meta);
    }
    if (msg.from === "bot" && !msg.adviser && /^e\d/.test(msg.id)) thumbsDown(meta); /* stored answers */
    (into || list).appendChild(item);
    return item;
  }
  /* tells the assistant its latest answer didn't help (the intent's payload), once per answer */
  function thumbsDown(meta) {
    var b = el("button", "down", "\ud83d\udc4e", { type: "button", "aria-label": NO_HELP, title: NO_HELP }, meta);
    b.addEventListener("click", function () {
      if (b.disabled) return;
      b.classList.add("sent");
      send("/feedback_negative", "\ud83d\udc4e This didn't help");
      log.focus(); /* not the disabled button, and no phone keyboard popping up */
    });
  }
  function refreshReplies() {
    var items = list.querySelectorAll(".msg"), lastItem = items[items.length - 1];
    var open = lastItem && lastItem.classList.contains("bot") && !pending.firstChild && !S.busy;
    list.querySelectorAll("button.reply").forEach(function (b) {
      b.disabled = !(open && lastItem.contains(b));
    });
    /* thumbs-down on the answers since the learner's last message only (an older one stays if sent) */
    var asked = list.querySelectorAll(".msg.user"), after = asked[asked.length - 1];
    list.querySelectorAll("button.down").forEach(function (b) {
      var old = !!after && !(after.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
      var sent = b.classList.contains("sent");
      b.hidden = old && !sent;
      b.disabled = old || sent || !open;
    });
  }
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function scrollDown(force) {
    if (force || nearBottom()) log.scrollTop = log.scrollHeight;
  }
  function announce(text) {
    var p = live.appendChild(el("p", null, text));
    while (live.childNodes.length > 3) live.removeChild(live.firstChild);
    setTimeout(function () { if (p.parentNode) p.parentNode.removeChild(p); }, 15000);
  }
  function greet() {
    var g = store.greeting || {};
    render({ id: "greeting", from: "bot", text: cfg.greeting || g.text || "Hi! What would you like to know?",
             buttons: g.buttons || [], time: store.started });
  }

  /* merge server messages: each shown once, matched to its pending copy */
  function merge(messages, cursor, quiet) {
    var stick = nearBottom(), added = 0, first = null;
    messages.forEach(function (m) {
      if (S.known[m.id]) return;
      S.known[m.id] = true;
      if (m.from === "user" && m.client_id) dropPending(m.client_id);
      var item = render(m);
      if (m.from === "bot") {
        added++;
        if (!quiet) { announce((m.adviser || cfg.title) + ": " + m.text); first = first || item; }
      }
    });
    if (typeof cursor === "number" && cursor > S.cursor) S.cursor = cursor;
    if (S.open && !document.hidden) S.seen = S.cursor;
    else if (added && !quiet) S.unread += added;
    save();
    updateLauncher();
    refreshReplies();
    if (!stick) return;
    /* a long answer is read from its start: keep its top in view */
    var bottom = log.scrollHeight - log.clientHeight;
    log.scrollTop = first ? Math.min(bottom, log.scrollTop - 56 + first.getBoundingClientRect().top -
      log.getBoundingClientRect().top) : bottom;
  }

  /* network */
  function api(method, path, body) {
    var headers = {}, ctrl = new AbortController(), timer = setTimeout(function () { ctrl.abort(); }, TIMEOUT);
    if (store.session) headers["X-Webchat-Session"] = store.session;
    if (body) headers["Content-Type"] = "application/json";
    return fetch(cfg.api + path, {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
      signal: ctrl.signal, credentials: "omit", cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var err = new Error(data.error || "HTTP " + r.status); err.status = r.status; err.wait = data.retry_after; throw err; }
        return data;
      });
    }).finally(function () { clearTimeout(timer); });
  }
  function online(ok, err) {
    S.offline = !ok;
    S.failures = ok ? 0 : S.failures + 1;
    banner.hidden = ok;
    banner.textContent = ok ? "" : err && err.wait ? err.message : "Connection lost. Reconnecting\u2026";
  }

  function page(data) { /* history, quietly, to the end */
    merge(data.messages, data.cursor, true);
    return data.more && api("GET", "/messages?after=" + data.cursor).then(page);
  }
  /* Open (or restore) the conversation; a single attempt at a time. */
  function start() {
    if (S.ready) return Promise.resolve();
    if (S.starting) return S.starting;
    S.starting = (store.session ? api("GET", "/messages?after=0").then(function (data) {
      list.textContent = "";
      S.known = {};
      greet();
      return page(data);
    }) : Promise.reject({ status: 404 })).catch(function (err) {
      if (err.status !== 404) throw err;
      return api("POST", "/session").then(function (data) {
        store = { session: data.session, greeting: data.greeting, started: Date.now() / 1000, outbox: store.outbox || [] };
        S.maxChars = data.max_chars || S.maxChars;
        input.maxLength = S.maxChars;
        S.cursor = S.seen = 0;
        S.known = {};
        save();
        list.textContent = "";
        greet();
        refreshReplies();
      });
    }).then(function () {
      S.ready = true;
      online(true);
      /* unsent messages go again (repeats are dropped); failed ones wait */
      (store.outbox || []).forEach(function (m) {
        if (m.state === "failed") failed(m, pendingItem(m).querySelector(".meta"));
        else if (!S.flying[m.id]) post(m);
      });
      schedule();
    }, function (err) {
      online(false, err);
      schedule(err.wait * 1000 || null);
      throw err;
    }).finally(function () { S.starting = null; });
    return S.starting;
  }

  function schedule(delay) {
    clearTimeout(S.pollTimer);
    if (delay == null) delay = S.offline ? Math.min(30000, 2000 * Math.pow(2, S.failures)) : S.open ? POLL_OPEN : POLL_CLOSED;
    S.pollTimer = setTimeout(poll, delay);
  }
  function poll() {
    if (document.hidden) return schedule();
    if (!S.ready) return store.session || S.open ? start().catch(function () {}) : undefined;
    api("GET", "/messages?after=" + S.cursor).then(function (data) {
      online(true);
      merge(data.messages, data.cursor);
    }, function (err) {
      if (err.status === 404) return restart(false);
      online(false);
    }).finally(function () { schedule(); });
  }

  /* sending */
  function send(text, title) {
    var m = { id: newId(), text: text, title: title || null, state: "sending" };
    store.outbox = (store.outbox || []).concat([m]);
    save();
    post(m);
  }
  function pendingItem(m) {
    var item = pending.querySelector('[data-id="' + m.id + '"]');
    if (!item) {
      item = render({ id: m.id, from: "user", text: m.title || m.text }, pending);
      item.classList.add("pending");
    }
    return item;
  }
  function post(m) {
    var item = pendingItem(m), meta = item.querySelector(".meta");
    m.state = "sending";
    meta.textContent = "Sending\u2026";
    S.flying[m.id] = true;
    S.busy++;
    typing.hidden = false;
    refreshReplies();
    scrollDown(true);
    return start().then(function () {
      return api("POST", "/messages", { id: m.id, text: m.text, title: m.title, after: S.cursor, career: cfg.career });
    }).then(function (data) {
      online(true);
      merge(data.messages, data.cursor);
      dropPending(m.id);
      (data.notices || []).forEach(tell);
    }, function (err) {
      if (err && err.status === 404 && S.ready && !m.renewed) {
        /* ended elsewhere (start over in another tab): go on in a new one */
        m.renewed = true;
        S.ready = false;
        store.session = null;
        return post(m);
      }
      if (S.leaving) return; /* page closing: still "sending", re-sent on the next load */
      if (err && err.wait) { /* 429: say so, resend when allowed */
        meta.textContent = "Waiting\u2026";
        if (!m.told) tell({ id: "w", from: "bot", text: err.message, notice: true });
        m.told = 1;
        return setTimeout(function () { if (pending.contains(item)) post(m); }, err.wait * 1000);
      }
      if (!err || err.status !== 400) online(false);
      m.state = "failed";
      save();
      failed(m, meta);
      announce("Your message was not sent. Use the retry button to send it again.");
    }).finally(function () {
      delete S.flying[m.id];
      S.busy--;
      typing.hidden = S.busy === 0;
      refreshReplies();
    });
  }
  function tell(n) { render(n); announce(cfg.title + ": " + n.text); scrollDown(true); }
  function failed(m, meta) {
    meta.textContent = "";
    el("button", "retry", "Not sent \u2013 tap to retry", { type: "button" }, meta)
      .addEventListener("click", function () { post(m); });
  }
  function dropPending(id) {
    store.outbox = (store.outbox || []).filter(function (m) { return m.id !== id; });
    save();
    var item = pending.querySelector('[data-id="' + id + '"]');
    if (item) item.parentNode.removeChild(item);
  }

  function restart(tellServer) {
    var old = store.session;
    if (tellServer && old) api("DELETE", "/session").catch(function () {});
    store = {};
    S.ready = false;
    S.cursor = S.seen = S.unread = 0;
    pending.textContent = list.textContent = "";
    save();
    return start().catch(function () {});
  }

  /* open / close and keyboard */
  function updateLauncher() {
    var n = S.unread;
    badge.hidden = !n || S.open;
    badge.textContent = n > 9 ? "9+" : String(n);
    launcher.setAttribute("aria-expanded", String(S.open));
    launcher.setAttribute("aria-label", (S.open ? "Close chat with " : "Open chat with ") + cfg.title +
      (n && !S.open ? " (" + n + " unread message" + (n > 1 ? "s" : "") + ")" : ""));
    wrap.classList.toggle("is-open", S.open);
  }
  function seen() {
    S.unread = 0;
    S.seen = S.cursor;
    save();
    updateLauncher();
  }
  function openPanel(quiet) {
    S.open = true;
    panel.hidden = false;
    seen();
    scrollDown(true);
    if (!quiet) input.focus(); /* opened on load: leave the page's focus alone */
    start().then(function () { scrollDown(true); }, function () {});
    schedule(S.ready ? 0 : undefined);
  }
  function closePanel() {
    S.open = false;
    panel.hidden = true;
    confirmBar.hidden = true;
    updateLauncher();
    launcher.focus();
    schedule();
  }
  launcher.addEventListener("click", function () { if (S.open) closePanel(); else openPanel(false); });
  closeBtn.addEventListener("click", closePanel);
  restartBtn.addEventListener("click", function () { confirmBar.hidden = false; confirmYes.focus(); });
  confirmNo.addEventListener("click", function () { confirmBar.hidden = true; restartBtn.focus(); });
  confirmYes.addEventListener("click", function () {
    confirmBar.hidden = true;
    restart(true).then(function () { input.focus(); });
  });
  wrap.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && S.open) { e.preventDefault(); closePanel(); return; }
    if (e.key === "Tab" && S.open && matchMedia("(max-width: 599.98px)").matches) trapFocus(e);
  });
  function trapFocus(e) { /* full screen: Tab cycles inside the chat */
    var all = [].filter.call(panel.querySelectorAll("button,textarea,[tabindex]"), function (n) {
      return !n.disabled && n.offsetParent;
    });
    var to = e.shiftKey ? all[all.length - 1] : all[0];
    if (root.activeElement === (e.shiftKey ? all[0] : all[all.length - 1])) { e.preventDefault(); to.focus(); }
  }

  function resize() {
    input.style.height = "auto";
    if (input.value) input.style.height = Math.min(input.scrollHeight + 3, 120) + "px";
  }
  input.addEventListener("input", function () {
    sendBtn.disabled = !input.value.trim();
    var left = S.maxChars - input.value.length;
    counter.hidden = left > S.maxChars * 0.2;
    counter.textContent = left + " characters left";
    resize();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  function submit() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendBtn.disabled = true;
    counter.hidden = true;
    resize();
    send(text, null);
  }
  /* [data-career-coach-open] opens the chat */
  document.addEventListener("click", function (e) {
    var t = e.target && e.target.closest && e.target.closest("[data-career-coach-open]");
    if (t) { e.preventDefault(); if (!S.open) openPanel(false); else input.focus(); }
  });
  addEventListener("pagehide", function () { S.leaving = true; });
  addEventListener("pageshow", function () { S.leaving = false; });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !store.session) return;
    if (S.open) seen();
    schedule(0);
  });

  function mount() {
    document.body.appendChild(host);
    if (store.session) {
      /* restore quietly; replies since last seen count as unread */
      start().then(function () {
        if (S.open) return;
        S.unread = [].filter.call(list.querySelectorAll(".msg.bot"), function (m) {
          return +m.dataset.id.slice(1) >= S.seen; /* ids are "e<position>"; NaN for the greeting */
        }).length;
        updateLauncher();
      }, function () {});
    }
    if (cfg.open) openPanel(true);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
