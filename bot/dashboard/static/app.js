// teamdesk dashboard Mini App: plain JS, no libraries. Telegram passes initData and the theme in the URL
// fragment (tgWebAppData, tgWebAppThemeParams); every API request carries initData, which the server checks.
"use strict";
const $ = (id) => document.getElementById(id);
const hash = new URLSearchParams(location.hash.slice(1));
const initData = hash.get("tgWebAppData") || "";
const T = {
  en: { title: "Team dashboard", own: "My month", plan: "Plan", done: "Done", expected: "Expected by today",
        lag: "Lag, days", percent: "%", person: "Person", rev: "Revisions / unit", median: "Median revisions / unit",
        projects: "Revisions per project", project: "Project", units: "Units", revisions: "Revisions",
        ratings: "Ratings", hidden: (k) => `hidden until ${k} ratings`, all: "All departments", empty: "Nobody here has a plan.",
        noauth: "Open the dashboard from the bot: /dashboard.", refused: "The server refused: ", average: "average",
        progress: "Progress (bar: done of plan; line: expected by today)",
        th: ["Person", "Done/plan", "Expected", "Lag, days", "Rev./unit"],
        cumulative: "Done since the 1st (line: plan pace)",
        smm: "SMM: weekly reports (as /team smm)", smmTh: ["Administrator", "Acc.", "Weeks", "On time", "Late", "Missed", "ER Δ"],
        funnel: "Lead funnel of the month (as /funnel)", funnelTh: ["Stage", "Entered", "Reached", "Conv.", "Days (med.)"],
        cohort: "leads", won: "first stage → won", lost: "lost" },
  ru: { title: "Дашборд команды", own: "Мой месяц", plan: "План", done: "Сделано", expected: "Ожидается к сегодня",
        lag: "Отставание, дн.", percent: "%", person: "Сотрудник", rev: "Правок на единицу", median: "Медиана правок на единицу",
        projects: "Правки по проектам", project: "Проект", units: "Единиц", revisions: "Правок",
        ratings: "Оценки", hidden: (k) => `скрыто до ${k} оценок`, all: "Все отделы", empty: "Ни у кого нет плана.",
        noauth: "Откройте дашборд из бота: /dashboard.", refused: "Сервер отказал: ", average: "средняя",
        progress: "Прогресс (полоса — сделано от плана, черта — ожидаемое к сегодня)",
        th: ["Сотрудник", "Сделано/план", "Ожидается", "Отставание, дн.", "Правок/ед."],
        cumulative: "Сделано с начала месяца (линия — плановый темп)",
        smm: "SMM: недельные отчёты (как /team smm)", smmTh: ["Администратор", "Акк.", "Нед.", "В срок", "Позд.", "Нет", "ER Δ"],
        funnel: "Воронка лидов за месяц (как /funnel)", funnelTh: ["Этап", "Вошли", "Дошли", "Конв.", "Дней (мед.)"],
        cohort: "лидов", won: "первый этап → успех", lost: "отказов" },
};
let lang = "en";
try { lang = JSON.parse(new URLSearchParams(initData).get("user") || "{}").language_code === "ru" ? "ru" : "en"; } catch (e) { lang = "en"; }
let t = T[lang];

function applyTheme() {
  let theme = {};
  try { theme = JSON.parse(hash.get("tgWebAppThemeParams") || "{}"); } catch (e) { theme = {}; }
  const map = { bg_color: "--tg-bg", text_color: "--tg-text", hint_color: "--tg-hint", link_color: "--tg-link",
                button_color: "--tg-button", button_text_color: "--tg-button-text", secondary_bg_color: "--tg-secondary-bg" };
  for (const [key, name] of Object.entries(map)) {
    if (/^#[0-9a-fA-F]{3,8}$/.test(theme[key] || "")) document.documentElement.style.setProperty(name, theme[key]);
  }
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "style") Object.assign(node.style, v);  // CSSOM: allowed by the page's CSP
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined).map((c) => (typeof c === "number" ? String(c) : c)));
  return node;
}

const fmt = (x) => (x === null || x === undefined ? "—" : String(x));

function peopleTable(people) {
  const head = el("tr", {}, el("th", {}, t.th[0]), ...t.th.slice(1).map((h) => el("th", { class: "num" }, h)));
  const rows = people.map((p) => {
    const lagClass = p.lag_days > 1 ? "lag-behind" : p.lag_days < -1 ? "lag-ahead" : "";
    const width = p.plan ? Math.min(100, (100 * p.done) / p.plan) : 0;
    const mark = p.plan && p.expected !== null ? Math.min(100, (100 * p.expected) / p.plan) : null;
    const bar = el("div", { class: "bar" }, el("i", { style: { width: `${width}%` } }), mark === null ? null : el("s", { style: { left: `${mark}%` } }));
    return el("tr", { "data-member": String(p.member_id) },
      el("td", { class: "name" }, el("span", { "data-field": "name" }, p.name), p.flagged ? el("span", { class: "flag", title: "quality" }, " ⚑") : null, bar),
      el("td", { class: "num" }, el("span", { "data-field": "done" }, p.done), "/", el("span", { "data-field": "plan" }, p.plan),
        p.percent === null ? null : el("div", { class: "muted" }, `${p.percent}%`)),
      el("td", { class: "num", "data-field": "expected" }, fmt(p.expected)),
      el("td", { class: `num ${lagClass}`, "data-field": "lag" }, fmt(p.lag_days)),
      el("td", { class: "num", "data-field": "rate" }, fmt(p.revisions_per_unit)));
  });
  return el("table", { id: "people" }, el("thead", {}, head), el("tbody", {}, ...rows));
}

function projectsTable(projects) {
  const head = el("tr", {}, el("th", {}, t.project), el("th", { class: "num" }, t.units), el("th", { class: "num" }, t.revisions),
    el("th", { class: "num" }, t.th[4]));
  return el("table", { id: "projects" }, el("thead", {}, head), el("tbody", {}, ...projects.map((p) =>
    el("tr", {}, el("td", {}, p.name, p.stands_out ? el("span", { class: "flag" }, " ⚑") : null), el("td", { class: "num" }, p.units),
      el("td", { class: "num" }, p.revisions), el("td", { class: "num" }, fmt(p.rate))))));
}

// the month's cumulative done against the plan line, as an SVG built node by node (no library)
function cumulativeChart(c) {
  const NS = "http://www.w3.org/2000/svg";
  const W = 320, H = 120, P = 4;
  const top = Math.max(c.plan, c.done.length ? c.done[c.done.length - 1] : 0, 1);
  const x = (day) => P + ((W - 2 * P) * day) / c.days;
  const y = (n) => H - P - ((H - 2 * P) * n) / top;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("id", "cumulative");
  svg.setAttribute("role", "img");
  const line = (attrs) => {
    const node = document.createElementNS(NS, attrs.tag);
    for (const [k, v] of Object.entries(attrs)) if (k !== "tag") node.setAttribute(k, String(v));
    svg.append(node);
    return node;
  };
  line({ tag: "line", x1: x(0), y1: y(0), x2: x(c.days), y2: y(c.plan), class: "plan-line" });
  if (c.today) line({ tag: "line", x1: x(c.today), y1: P, x2: x(c.today), y2: H - P, class: "today-line" });
  const points = [[x(0), y(0)], ...c.done.map((n, i) => [x(i + 1), y(n)])];
  line({ tag: "polyline", points: points.map((p) => p.join(",")).join(" "), class: "done-line",
         "data-total": c.done.length ? c.done[c.done.length - 1] : 0 });
  return svg;
}

function ratingLine(x) {
  return x.hidden ? el("span", { class: "muted" }, t.hidden(x.k)) : `${t.average} ${fmt(x.average)} (${fmt(x.count)})`;
}

function ratings(blocks) {
  const box = el("div", { id: "ratings" });
  for (const b of blocks) {
    if (b.people) {
      box.append(el("h3", {}, `${b.department}: ${t.average} ${fmt(b.average)} (${b.count})`));
      box.append(el("table", {}, el("tbody", {}, ...b.people.map((p) => el("tr", {}, el("td", {}, p.name), el("td", { class: "num" }, ratingLine(p)))))));
    } else {
      box.append(el("p", {}, `${b.department}: `, ratingLine(b)));
    }
  }
  return box;
}

function smmTable(rows) {
  const head = el("tr", {}, el("th", {}, t.smmTh[0]), ...t.smmTh.slice(1).map((h) => el("th", { class: "num" }, h)));
  const signed = (x) => (x === null ? "—" : `${x > 0 ? "+" : ""}${x.toFixed(1)}%`);
  return el("table", { id: "smm" }, el("thead", {}, head), el("tbody", {}, ...rows.map((r) =>
    el("tr", {}, el("td", { class: "name" }, r.name), el("td", { class: "num" }, r.accounts), el("td", { class: "num" }, r.due),
      el("td", { class: "num" }, r.on_time), el("td", { class: `num ${r.late ? "lag-behind" : ""}` }, r.late),
      el("td", { class: `num ${r.missing ? "lag-behind" : ""}`, "data-field": "missing" }, r.missing),
      el("td", { class: "num", "data-field": "er" }, signed(r.er_change))))));
}

function funnelTable(f) {
  const head = el("tr", {}, el("th", {}, t.funnelTh[0]), ...t.funnelTh.slice(1).map((h) => el("th", { class: "num" }, h)));
  const pct = (x) => (x === null ? "—" : `${x}%`);
  const top = Math.max(1, ...f.stages.map((st) => st.reached));
  const box = el("div", { id: "funnel" });
  box.append(el("table", {}, el("thead", {}, head), el("tbody", {}, ...f.stages.map((st) =>
    el("tr", { "data-stage": st.key }, el("td", { class: "name" }, st.label,
        el("div", { class: "bar" }, el("i", { style: { width: `${(100 * st.reached) / top}%` } }))),
      el("td", { class: "num" }, st.entered), el("td", { class: "num", "data-field": "reached" }, st.reached),
      el("td", { class: "num" }, pct(st.conversion)),
      el("td", { class: "num" }, st.median_days === null ? "—" : st.median_days.toFixed(1)))))));
  box.append(el("p", { class: "muted" }, `${f.cohort} ${t.cohort}; ${t.won}: ${pct(f.won_rate)}; ${t.lost}: ${f.lost}`));
  return box;
}

function render(data) {
  if (data.lang && T[data.lang]) t = T[data.lang];  // the member's language, as the chat's
  const main = $("main");
  main.replaceChildren();
  const manager = data.role === "admin" || data.role === "manager";
  $("title").textContent = manager ? t.title : `${t.own}: ${data.name}`;
  document.title = $("title").textContent;
  const month = $("month");
  if (!month.options.length) {
    for (const m of data.months) month.append(el("option", { value: m }, m));
  }
  month.value = data.month;
  const dep = $("department");
  if (manager && data.departments.length > 1 && !dep.options.length) {
    dep.append(el("option", { value: "" }, t.all));
    for (const d of data.departments) dep.append(el("option", { value: String(d.id) }, d.name));
    dep.hidden = false;
  }
  main.append(el("div", { class: "cards", id: "totals" },
    el("div", { class: "card" }, el("b", { "data-field": "total-done" }, data.totals.done), el("span", {}, t.done)),
    el("div", { class: "card" }, el("b", { "data-field": "total-plan" }, data.totals.plan), el("span", {}, t.plan)),
    el("div", { class: "card" }, el("b", {}, fmt(data.totals.expected)), el("span", {}, t.expected)),
    el("div", { class: "card" }, el("b", {}, fmt(data.median)), el("span", {}, t.median))));
  if (data.cumulative && data.cumulative.days) {
    main.append(el("h2", {}, t.cumulative));
    main.append(cumulativeChart(data.cumulative));
  }
  main.append(el("h2", {}, t.progress));
  main.append(data.people.length ? peopleTable(data.people) : el("p", { class: "hint" }, t.empty));
  if (data.projects.length) {
    main.append(el("h2", {}, t.projects));
    main.append(projectsTable(data.projects));
  }
  if (data.ratings.length) {
    main.append(el("h2", {}, t.ratings));
    main.append(ratings(data.ratings));
  }
  if (data.smm && data.smm.length) {
    main.append(el("h2", {}, t.smm));
    main.append(smmTable(data.smm));
  }
  if (data.funnel) {
    main.append(el("h2", {}, t.funnel));
    main.append(funnelTable(data.funnel));
  }
  document.body.dataset.loaded = "1";
}

async function load() {
  const q = new URLSearchParams();
  if ($("month").value) q.set("month", $("month").value);
  if ($("department").value) q.set("department", $("department").value);
  const r = await fetch(`/dashboard/api/overview?${q}`, { headers: { Authorization: `tma ${initData}` } });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    $("main").replaceChildren(el("p", { class: "error", id: "status" }, t.refused + (data.reason || data.error || r.status)));
    document.body.dataset.loaded = "error";
    return;
  }
  render(data);
}

applyTheme();
$("title").textContent = t.title;
if (!initData) {
  $("main").replaceChildren(el("p", { class: "error", id: "status" }, t.noauth));
  document.body.dataset.loaded = "error";
} else {
  $("month").addEventListener("change", load);
  $("department").addEventListener("change", load);
  load();
}
