// Closing the loop on the dashboard: actions and their effect (a chart per action with its
// date marked), suggestions (anyone suggests, analysts approve or reject), and team pages
// (/dashboard/teams/{team}). Controls show only what the key's role may do (GET /v1/whoami).
// Nothing is rendered with innerHTML: API text is untrusted.
import { getKey } from "./dashboard-api.js";
import { clear, el, fmtPct, statusBadge } from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const ROLES = ["viewer", "analyst", "admin"];
const VERDICT_COLORS = { worked: "#2a9d8f", "got worse": "#d1495b", "no detectable change": "#6b7280", "not enough data": "#e09f3e" };
const me = { role: "viewer", name: "" };
let runId = "";

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const key = getKey();
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(new URL(path, window.location.origin), {
    method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(typeof data.detail === "string" ? data.detail : `${response.status}`);
  return data;
}

const allows = (role) => ROLES.indexOf(me.role) >= ROLES.indexOf(role);

function applyRole() {
  document.body.dataset.role = me.role;
  document.querySelectorAll("[data-needs]").forEach((node) => { node.hidden = !allows(node.dataset.needs); });
  clear($("whoami"), me.name ? `${me.name} (${me.role})` : "");
}

function verdictBadge(verdict) {
  return el("span", { class: `badge verdict ${String(verdict).replaceAll(" ", "-")}` }, verdict);
}

function changeText(effect) {
  const s = effect.changes[effect.measure];
  if (s.change === null) return "–";
  const pts = (v) => `${v > 0 ? "+" : ""}${(100 * v).toFixed(1)}`;
  const ci = s.ci_low === null ? "" : ` (${pts(s.ci_low)} to ${pts(s.ci_high)})`;
  return `${pts(s.change)} pts${ci}`;
}

function actionRow(a) {
  const e = a.effect;
  const share = e ? e.changes[e.measure] : null;
  const cells = e
    ? [el("td", { class: "num" }, `${fmtPct(share.before.value, 1)} (n=${share.before.n})`),
       el("td", { class: "num" }, `${fmtPct(share.after.value, 1)} (n=${share.after.n})`),
       el("td", { class: "num" }, changeText(e)), el("td", {}, verdictBadge(e.verdict))]
    : [el("td", { colspan: 4 }, a.effect_error || "")];
  const close = a.status === "open"
    ? el("button", { type: "button", class: "ghost", dataset: { needs: "analyst" }, onclick: () => closeAction(a.action_id) }, "Close")
    : el("span", { class: "muted" }, "closed");
  return el("tr", { dataset: { action: a.action_id }, title: e ? e.reason : "" },
    el("td", {}, el("strong", {}, a.title)), el("td", {}, a.team || "–"),
    el("td", {}, (a.theme_labels || []).join(", ")), el("td", {}, a.effective), ...cells, el("td", {}, close));
}

async function closeAction(actionId) {
  await call("PATCH", `/v1/actions/${enc(actionId)}`, { status: "closed" });
  await loadActions();
}

function actionChart(node, trend, title) {
  if (!window.Plotly) return;
  const day = trend.effective;
  const color = VERDICT_COLORS[trend.verdict] || "#6b7280";
  const ys = trend.data.map((p) => (p.share === null ? null : 100 * p.share));
  const top = Math.max(1, ...ys.filter((y) => y !== null));
  window.Plotly.newPlot(node, [
    { x: trend.data.map((p) => p.period_start), y: ys, mode: "lines+markers", name: "share", line: { color: "#3b5bdb" } },
    { x: [day], y: [top * 1.05], mode: "markers+text", name: "action", text: [`▲ ${title}`], textposition: "top right",
      marker: { symbol: "triangle-down", size: 14, color }, hovertemplate: `${title}: ${trend.verdict}<extra></extra>` },
  ], {
    height: 260, margin: { l: 50, r: 20, t: 30, b: 40 }, showlegend: false,
    yaxis: { title: { text: "% of comments" }, rangemode: "tozero" },
    shapes: [{ type: "line", x0: day, x1: day, y0: 0, y1: 1, yref: "paper", line: { color, width: 2, dash: "dash" } }],
  }, { displaylogo: false, responsive: true });
}

async function loadActions() {
  const body = await call("GET", `/v1/actions?run_id=${enc(runId)}&limit=200`);
  clear($("actions-table"),
    el("thead", {}, el("tr", {}, ...["Action", "Team", "Themes", "From", "Before", "After", "Change (95% CI)", "Verdict", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, body.data.map(actionRow)));
  const charts = $("action-charts");
  clear(charts);
  for (const a of body.data) {
    const node = el("div", { class: "chart action-chart", id: `action-chart-${a.action_id}`, dataset: { action: a.action_id } });
    charts.append(el("h3", {}, `${a.title}: ${(a.theme_labels || []).join(", ")}`), node);
    call("GET", `/v1/actions/${enc(a.action_id)}/trend`).then((t) => actionChart(node, t, a.title)).catch(() => {});
  }
  applyRole();
}

function suggestionRow(s) {
  const what = s.kind === "note" ? s.comment : `${s.kind} ${JSON.stringify(s.payload)} on ${s.theme_ids.join(", ") || "new theme"}`;
  const outcome = s.status === "pending" ? "" : `${s.status} by ${s.reviewer}: ${s.reason}`;
  const reason = el("input", { type: "text", placeholder: "reason", "aria-label": "Reason", class: "reason" });
  const review = (decision) => call("POST", `/v1/suggestions/${enc(s.suggestion_id)}/review`, { decision, reason: reason.value || decision })
    .then(loadSuggestions).catch((e) => clear($("suggestion-error"), e.message));
  const buttons = s.status === "pending"
    ? el("span", { dataset: { needs: "analyst" } }, reason,
      el("button", { type: "button", class: "primary approve", onclick: () => review("approve") }, "Approve"),
      el("button", { type: "button", class: "ghost reject", onclick: () => review("reject") }, "Reject"))
    : null;
  return el("li", { class: `suggestion ${s.status}`, dataset: { suggestion: s.suggestion_id } },
    el("span", { class: "badge" }, s.status), " ", el("strong", {}, s.author), ": ", what, " ",
    el("span", { class: "muted" }, outcome), buttons);
}

async function loadSuggestions() {
  const body = await call("GET", `/v1/suggestions?run_id=${enc(runId)}&limit=200`);
  clear($("suggestion-list"), body.data.map(suggestionRow));
  applyRole();
}

async function suggest(event) {
  event.preventDefault();
  const kind = $("suggest-kind").value;
  const ids = $("suggest-themes").value.split(/[\s,]+/).filter(Boolean).map(Number);
  const body = { run_id: runId, kind, theme_ids: ids };
  const label = $("suggest-label").value.trim();
  if (label) body.label = label;
  if (kind === "note") body.comment = $("suggest-text").value.trim();
  if (kind === "seed") body.phrases = $("suggest-text").value.split("\n").map((p) => p.trim()).filter(Boolean);
  if (kind === "move") body.parent = label;
  if (kind === "split") body.parts = 2;
  clear($("suggestion-error"));
  try {
    await call("POST", "/v1/suggestions", body);
    $("suggest-form").reset();
    await loadSuggestions();
  } catch (e) {
    clear($("suggestion-error"), e.message);
  }
}

function teamFromPath() {
  const match = window.location.pathname.match(/^\/dashboard\/teams\/([^/]+)\/?$/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function loadTeam(team) {
  const t = await call("GET", `/v1/teams/${enc(team)}?run_id=${enc(runId)}`);
  const section = $("team");
  section.hidden = false;
  clear($("team-title"), `Team: ${t.team}`);
  // a run without score ratings has no impact: no column rather than a column of "–"
  const scored = t.themes.some((th) => th.impact !== null);
  clear($("team-themes"),
    el("thead", {}, el("tr", {}, ...["Theme", "Responses", "Share", "Negative", ...(scored ? ["Impact"] : []), "Trend"].map((h) => el("th", {}, h)))),
    el("tbody", {}, t.themes.map((th) => el("tr", {}, el("td", {}, th.label), el("td", { class: "num" }, th.responses),
      el("td", { class: "num" }, fmtPct(th.share, 1)), el("td", { class: "num" }, fmtPct(th.share_negative)),
      scored ? el("td", { class: "num" }, th.impact === null ? "–" : th.impact.toFixed(1)) : null, el("td", {}, statusBadge(th.status))))));
  clear($("team-pain"), t.pain_points.map((p) => el("li", {}, `${p.label} (rank ${p.rank}, ${p.n_negative} negative)`)));
  clear($("team-actions"), t.actions.map((a) => el("li", {}, `${a.title} (${a.status}, from ${a.effective}): `,
    a.effect ? verdictBadge(a.effect.verdict) : a.effect_error || "")));
  clear($("team-summary"), `${t.themes.length} themes · ${t.open_actions} open actions`);
}

async function loadTeams() {
  const body = await call("GET", `/v1/teams?run_id=${enc(runId)}`);
  clear($("team-links"), body.data.map((name) => el("a", { href: `/dashboard/teams/${enc(name)}`, class: "chip" }, name)));
}

async function refresh() {
  runId = $("run-select").value;
  if (!runId || !getKey()) return;
  try {
    Object.assign(me, await call("GET", "/v1/whoami"));
    applyRole();
    await Promise.all([loadActions(), loadSuggestions(), loadTeams()]);
    const team = teamFromPath();
    if (team) await loadTeam(team);
    document.body.dataset.loop = "ready";
  } catch (e) {
    clear($("loop-error"), e.message);
  }
}

async function recordAction(event) {
  event.preventDefault();
  const body = {
    run_id: runId, title: $("action-title").value.trim(), team: $("action-team").value.trim() || null,
    effective: $("action-date").value, theme_ids: $("action-themes").value.split(/[\s,]+/).filter(Boolean).map(Number),
  };
  try {
    await call("POST", "/v1/actions", body);
    $("action-form").reset();
    await loadActions();
  } catch (e) {
    clear($("loop-error"), e.message);
  }
}

function wire() {
  $("run-select").addEventListener("change", refresh);
  $("key-form").addEventListener("submit", () => setTimeout(refresh, 300));
  $("suggest-form").addEventListener("submit", suggest);
  $("action-form").addEventListener("submit", recordAction);
  // the main script fills the run list: follow its first selection
  const observer = new MutationObserver(() => { if ($("run-select").value && $("run-select").value !== runId) refresh(); });
  observer.observe($("run-select"), { childList: true, attributes: true, subtree: true });
  if (teamFromPath()) $("team").hidden = false;
  refresh();
}

wire();
