// teamdesk sandbox web chat: plain JS, no libraries. The server gives each message as Telegram shows it
// (plain text + entities, parsed from the bot's HTML by the strict Bot API server); this file builds DOM
// nodes from them (never by parsing HTML), so only what Telegram's HTML parse mode allows can appear.
"use strict";
const $ = (id) => document.getElementById(id);
const state = { uid: null, people: [], commands: [], seenAlerts: new Set(), seenInit: false, source: null,
                loading: false, again: false };
const ROLE_GROUPS = [["admin", "Admin"], ["manager", "Managers"], ["writer", "Writers"], ["client", "Clients"]];
const THEMES = {
  light: { bg_color: "#ffffff", text_color: "#000000", hint_color: "#707579", link_color: "#2481cc",
           button_color: "#2481cc", button_text_color: "#ffffff", secondary_bg_color: "#f1f1f4" },
  dark: { bg_color: "#17212b", text_color: "#f5f5f5", hint_color: "#708499", link_color: "#6ab3f3",
          button_color: "#5288c1", button_text_color: "#ffffff", secondary_bg_color: "#232e3c" },
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function safeHref(url) {
  return /^(https?:|tg:|mailto:)/i.test(url || "") ? url : null;
}

function entityNode(e) {
  switch (e.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote": case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const s = el("span", { class: "spoiler", title: "spoiler" });
      s.addEventListener("click", () => s.classList.toggle("open"));
      return s;
    }
    case "text_link": {
      const href = safeHref(e.url);
      return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }) : el("span");
    }
    case "date_time": return el("span", { title: new Date((e.unix_time || 0) * 1000).toString() });
    default: return el("span");
  }
}

// text + entities (UTF-16 offsets, like JS strings) -> nodes; entities from HTML are properly nested
function renderText(text, entities) {
  const list = (entities || []).filter((e) => e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const frag = document.createDocumentFragment();
  (function build(start, end, ents, parent) {
    let pos = start, i = 0;
    while (i < ents.length) {
      const e = ents[i], stop = e.offset + e.length;
      if (e.offset > pos) parent.append(text.slice(pos, e.offset));
      let j = i + 1;
      const inner = [];
      while (j < ents.length && ents[j].offset < stop) inner.push(ents[j++]);
      const node = entityNode(e);
      build(Math.max(e.offset, pos), stop, inner, node);
      parent.append(node);
      pos = Math.max(pos, stop);
      i = j;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  })(0, text.length, list, frag);
  return frag;
}

async function api(path, options) {
  const r = await fetch(path, options);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 3000);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
}

function keyboard(msg) {
  const box = el("div", { class: "kb" });
  for (const row of msg.keyboard) {
    const r = el("div", { class: "kb-row" });
    for (const b of row) {
      if (b.callback_data !== undefined) {
        r.append(el("button", { type: "button", "data-callback": b.callback_data,
          onclick: () => press(msg.id, b.callback_data) }, b.text));
      } else if (b.web_app !== undefined) {
        r.append(el("button", { type: "button", class: "webapp-btn", onclick: () => openWebApp(b.web_app) }, b.text));
      } else if (safeHref(b.url)) {
        r.append(el("a", { href: b.url, target: "_blank", rel: "noopener noreferrer" }, b.text));
      } else {
        r.append(el("button", { type: "button", disabled: "" }, b.text));
      }
    }
    box.append(r);
  }
  return box;
}

// a poll or a quiz as Telegram shows it: options to press until the person answered (or it closed), then the
// counts, and for a quiz the right answer, whether theirs was right, and the explanation
function pollNode(msg) {
  const p = msg.poll;
  const answered = p.chosen !== null && p.chosen !== undefined;
  const label = (p.is_closed ? "Final results · " : "") + (p.is_anonymous ? "Anonymous " : "") +
    (p.type === "quiz" ? "Quiz" : "Poll");
  const box = el("div", { class: "poll", "data-poll": p.id }, el("div", { class: "poll-kind" }, label),
    el("div", { class: "poll-q" }, p.question));
  if (!answered && !p.is_closed) {
    const picked = new Set();
    p.options.forEach((o, i) => {
      const b = el("button", { type: "button", class: "poll-opt", "data-option": String(i) }, o.text);
      b.addEventListener("click", () => {
        if (!p.allows_multiple_answers) { vote(msg.id, [i]); return; }
        if (picked.has(i)) picked.delete(i); else picked.add(i);
        b.classList.toggle("picked");
      });
      box.append(b);
    });
    if (p.allows_multiple_answers) {
      box.append(el("button", { type: "button", class: "poll-vote",
        onclick: () => { if (picked.size) vote(msg.id, [...picked].sort((a, b) => a - b)); } }, "Vote"));
    }
    return box;
  }
  const total = p.total_voter_count || 0;
  const right = new Set(p.correct_option_ids || []);
  const mine = new Set(p.chosen || []);
  p.options.forEach((o, i) => {
    const share = total ? Math.round((100 * o.voter_count) / total) : 0;
    let mark = "";
    if (p.type === "quiz" && right.has(i)) mark = "✓";
    else if (mine.has(i)) mark = p.type === "quiz" ? "✗" : "•";
    const cls = "poll-res" + (p.type === "quiz" && right.has(i) ? " right" : "") +
      (p.type === "quiz" && mine.has(i) && !right.has(i) ? " wrong" : "") + (mine.has(i) ? " mine" : "");
    const bar = el("div", { class: "poll-bar" });
    bar.style.width = `calc((100% - 44px) * ${share / 100})`;  // CSSOM, not a style attribute (the page's CSP)
    box.append(el("div", { class: cls, "data-option": String(i) },
      el("span", { class: "poll-pct" }, `${share}%`), el("span", { class: "poll-mark" }, mark),
      el("span", { class: "poll-text" }, o.text), bar));
  });
  if (p.type === "quiz" && answered) {
    const ok = [...mine].every((i) => right.has(i)) && [...right].every((i) => mine.has(i));
    box.append(el("div", { class: "poll-verdict " + (ok ? "right" : "wrong") }, ok ? "✓ Right answer" : "✗ Wrong answer"));
  }
  if (p.explanation) {
    box.append(el("div", { class: "poll-expl" }, "💡 ", renderText(p.explanation, p.explanation_entities)));
  }
  const foot = el("div", { class: "poll-total" }, `${total} ${total === 1 ? "vote" : "votes"}`);
  if (answered && p.allows_revoting && !p.is_closed) {
    foot.append(" · ", el("button", { type: "button", class: "poll-retract", onclick: () => vote(msg.id, []) },
      "Retract vote"));
  }
  box.append(foot);
  return box;
}

function bubble(group) {
  const first = group[0];
  const captioned = group.find((m) => m.text) || first;
  const node = el("div", { class: "msg" + (first.from_bot ? " bot" : " me"), "data-id": String(first.id) });
  const photos = group.filter((m) => m.photo);
  if (photos.length > 1) {
    node.append(el("div", { class: "album" }, ...photos.map((m) => el("img", { src: m.photo, alt: "photo", loading: "lazy" }))));
  } else if (photos.length === 1) {
    node.append(el("img", { src: photos[0].photo, alt: "photo", loading: "lazy" }));
  }
  for (const m of group.filter((m) => m.document)) {
    const size = m.document.size ? ` (${Math.ceil(m.document.size / 1024)} KB)` : "";
    node.append(el("a", { class: "doc", href: m.document.url, download: m.document.name }, m.document.name + size));
  }
  if (captioned.text) node.append(el("div", { class: "text" }, renderText(captioned.text, captioned.entities)));
  if (first.poll) node.append(pollNode(first));
  if (first.keyboard) node.append(keyboard(first));
  const time = new Date(first.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  node.append(el("div", { class: "meta" }, (group.some((m) => m.edited) ? "edited · " : "") + time));
  return node;
}

function render(data) {
  const chat = $("chat");
  const nearBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
  chat.replaceChildren();
  const visible = data.messages.filter((m) => !m.deleted);
  if (!visible.length) chat.append(el("div", { class: "hint" }, "Say /start, or press / for the commands this person has."));
  for (let i = 0; i < visible.length;) {
    const group = [visible[i++]];
    while (group[0].media_group_id && i < visible.length && visible[i].media_group_id === group[0].media_group_id) {
      group.push(visible[i++]);
    }
    chat.append(bubble(group));
  }
  for (const r of data.refusals) {
    chat.append(el("div", { class: "sys", title: "the Bot API refused a request of the bot in this chat" },
      `Telegram refused ${r.method}: ${r.description}`));
  }
  state.commands = data.commands;
  $("lang").value = data.language || "ru";
  // the chat's menu button (setChatMenuButton): a Mini App for managers when WEB_BASE_URL is set
  const app = $("menu-app");
  const mb = data.menu_button || {};
  app.hidden = mb.type !== "web_app";
  if (mb.type === "web_app") {
    app.textContent = mb.text;
    app.onclick = () => openWebApp(mb.web_app.url);
  }
  for (const a of data.alerts) {
    if (state.seenAlerts.has(a.id)) continue;
    state.seenAlerts.add(a.id);
    if (!state.seenInit) continue;
    if (a.show_alert) showAlert(a.text); else toast(a.text);
  }
  state.seenInit = true;
  if (nearBottom) chat.scrollTop = chat.scrollHeight;
}

async function refresh() {
  if (state.loading) { state.again = true; return; }
  state.loading = true;
  try {
    const uid = state.uid;
    const data = await api(`/api/chat/${uid}`);
    if (uid === state.uid) render(data);
  } catch (e) {
    toast(String(e.message || e));
  } finally {
    state.loading = false;
    if (state.again) { state.again = false; refresh(); }
  }
}

function choose(uid) {
  state.uid = uid;
  state.seenAlerts = new Set();
  state.seenInit = false;
  localStorage.setItem("teamdesk-sandbox-person", String(uid));
  $("person").value = String(uid);
  if (state.source) state.source.close();
  $("chat").replaceChildren();
  refresh();
  state.source = new EventSource(`/api/chat/${uid}/events`);
  state.source.addEventListener("changed", refresh);
}

async function send(text) {
  if (!text.trim()) return;
  $("menu").hidden = true;
  try {
    await api(`/api/chat/${state.uid}/send`, { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ text }) });
  } catch (e) { toast(String(e.message || e)); }
}

async function press(messageId, data) {
  try {
    await api(`/api/chat/${state.uid}/press`, { method: "POST", headers: { "Content-Type": "application/json" },
                                                body: JSON.stringify({ message_id: messageId, data }) });
  } catch (e) { toast(String(e.message || e)); }
}

async function vote(messageId, optionIds) {
  try {
    await api(`/api/chat/${state.uid}/vote`, { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ message_id: messageId, option_ids: optionIds }) });
  } catch (e) { toast(String(e.message || e)); }
}

function theme() {
  return document.body.classList.contains("dark") ? "dark" : "light";
}

async function openWebApp(url) {
  try {
    const { init_data } = await api(`/api/chat/${state.uid}/initdata`);
    // what a Telegram client puts in the Mini App's URL fragment
    const hash = new URLSearchParams({ tgWebAppData: init_data, tgWebAppVersion: "8.0", tgWebAppPlatform: "web",
                                       tgWebAppThemeParams: JSON.stringify(THEMES[theme()]) });
    $("webapp-frame").src = url + "#" + hash.toString();
    $("webapp").hidden = false;
  } catch (e) { toast(String(e.message || e)); }
}

function showMenu(filter) {
  const menu = $("menu");
  const items = state.commands.filter((c) => !filter || ("/" + c.command).startsWith(filter));
  menu.replaceChildren(...items.map((c) => el("button", { type: "button", onclick: () => { $("text").value = ""; send("/" + c.command); } },
    el("b", {}, "/" + c.command), el("span", {}, c.description))));
  menu.hidden = !items.length;
}

async function showClock() {
  const c = await api("/api/clock");
  $("clock-now").textContent = `${c.now} (${c.timezone})`;
}

async function travel(step) {
  try {
    const c = await api("/api/clock", { method: "POST", headers: { "Content-Type": "application/json" },
                                        body: JSON.stringify({ step }) });
    $("clock-now").textContent = `${c.now} (${c.timezone})`;
    toast(`Sandbox time is now ${c.now}: the scheduler runs what became due`);
  } catch (e) { toast(String(e.message || e)); }
}

async function start() {
  if (localStorage.getItem("teamdesk-sandbox-theme") === "dark") document.body.classList.add("dark");
  const data = await api("/api/people");
  state.people = data.people;
  const select = $("person");
  for (const [role, label] of ROLE_GROUPS) {
    const people = data.people.filter((p) => p.role === role);
    if (!people.length) continue;
    const group = el("optgroup", { label });
    for (const p of people) {
      const extra = [p.department, p.smm ? "SMM administrator" : "", p.rater ? "rates colleagues" : "",
                     p.learner ? "has a course" : ""].filter(Boolean).join(", ");
      group.append(el("option", { value: String(p.id), "data-role": p.role }, p.name + (extra ? ` — ${extra}` : "")));
    }
    select.append(group);
  }
  select.addEventListener("change", () => choose(Number(select.value)));
  $("lang").addEventListener("change", async () => {
    try {
      await api(`/api/chat/${state.uid}/language`, { method: "POST", headers: { "Content-Type": "application/json" },
                                                     body: JSON.stringify({ code: $("lang").value }) });
      toast($("lang").value === "en" ? "The Telegram app is in English now: try /start" : "Telegram на русском: попробуйте /start");
    } catch (e) { toast(String(e.message || e)); }
  });
  const saved = Number(localStorage.getItem("teamdesk-sandbox-person"));
  const first = data.people.find((p) => p.id === saved) || data.people[0];
  if (first) choose(first.id);
  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("text");
    send(input.value);
    input.value = "";
  });
  $("text").addEventListener("input", (ev) => {
    const v = ev.target.value;
    if (v.startsWith("/") && !v.includes(" ")) showMenu(v); else $("menu").hidden = true;
  });
  $("menu-btn").addEventListener("click", () => { if ($("menu").hidden) showMenu(""); else $("menu").hidden = true; });
  $("file").addEventListener("change", async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    const form = new FormData();
    form.append("file", f, f.name);
    try { await api(`/api/chat/${state.uid}/document`, { method: "POST", body: form }); }
    catch (e) { toast(String(e.message || e)); }
    ev.target.value = "";
  });
  if (data.time_travel) {
    $("clock-btn").hidden = false;
    $("clock-btn").addEventListener("click", () => {
      $("clock").hidden = !$("clock").hidden;
      if (!$("clock").hidden) showClock();
    });
    for (const b of document.querySelectorAll("#clock [data-step]")) b.addEventListener("click", () => travel(b.dataset.step));
  }
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  $("webapp-close").addEventListener("click", () => { $("webapp").hidden = true; $("webapp-frame").src = "about:blank"; });
  $("theme").addEventListener("click", () => {
    document.body.classList.toggle("dark");
    localStorage.setItem("teamdesk-sandbox-theme", theme());
  });
}

start().catch((e) => toast(String(e.message || e)));
