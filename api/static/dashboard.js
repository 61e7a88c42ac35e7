// The CX dashboard: pick a run, filter it, and read the same views as the HTML report,
// drawn from the /v1 JSON API. Nothing is rendered with innerHTML: API text is untrusted.
import { ApiError, endpoints, filterParams, getKey, setKey } from "./dashboard-api.js";
import {
  SCORE_NAMES, hierarchyFigure, impactFigure, scoreTrendFigure, segmentFigure,
  trendsFigure, volumeFigure,
} from "./dashboard-charts.js";
import { NO_WINDOWS, changedCards } from "./dashboard-changed.js";
import {
  clear, downloadCsv, el, fmtInt, fmtPct, fmtPoints, fmtScore, readable, sentimentMix, statusBadge,
} from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"] };
const digits = () => (state.score === "ces" ? 2 : 1);
// CES is effort: a higher score is worse
const harmful = (impact) => (state.score === "ces" ? impact > 0 : impact < 0);

const state = {
  runs: [], run: null, score: "nps", filters: {}, themes: [], pain: [], scores: null,
  trendSeries: [], segmentRows: [], hits: [], details: new Map(), generation: 0,
  // from the API: score_available, ranked_by, period ("month" | "week" | "day"), windows
  context: { score_available: true, ranked_by: "cost", period: "month", windows: null },
};
// Without ratings of the chosen score no score figure is shown (no "–", no "n = 0").
const scored = () => state.context.score_available;

// -- errors and the API key -------------------------------------------------------------------

function showBanner(message) {
  const banner = $("banner");
  banner.textContent = message;
  banner.hidden = !message;
}

function askForKey(message) {
  $("key-error").textContent = message || "";
  $("key-error").hidden = !message;
  $("key-input").value = getKey();
  if (!$("key-dialog").open) $("key-dialog").showModal();
  $("key-input").focus();
}

function handleError(error) {
  if (error instanceof ApiError && error.status === 401) {
    askForKey(getKey() ? "That key was refused; check it and try again." : "");
  } else {
    showBanner(error instanceof ApiError ? error.message : `Something went wrong: ${error}`);
    console.error(error);
  }
}

// -- charts -----------------------------------------------------------------------------------

function plot(id, figure, onClickTheme) {
  const node = $(id);
  node.hidden = !figure;
  if (!figure || !figure.data.length || typeof Plotly === "undefined") {
    if (typeof Plotly !== "undefined") Plotly.purge(node);
    clear(node, el("p", { class: "muted empty" }, figure ? "Nothing to show for these filters." : ""));
    return;
  }
  clear(node);
  Plotly.react(node, figure.data, figure.layout, PLOT_CONFIG).then((gd) => {
    if (onClickTheme && !gd.dataset.wired) {
      gd.dataset.wired = "1";
      gd.on("plotly_click", (event) => {
        const data = event.points[0]?.customdata;
        const id = Array.isArray(data) || ArrayBuffer.isView(data) ? data[0] : data;
        if (id !== undefined && id !== null) openTheme(Number(id));
      });
    }
  });
}

// -- what changed (dashboard-changed.js) -------------------------------------------------------

function renderChanged() {
  clear($("changed-cards"), changedCards(state, themeLink));
}

// -- scores -----------------------------------------------------------------------------------

function renderScores() {
  const headlines = (state.scores?.data || []).filter((r) => ["nps", "csat_pct", "ces_mean"].includes(r.figure) && r.n > 0);
  const titles = { nps: "NPS", csat: "CSAT (% satisfied)", ces: "CES (mean, 1–7)" };
  if (state.scores && !headlines.length) {
    clear($("kpis"), el("p", { class: "muted empty" }, "No NPS, CSAT or CES ratings in these responses."));
    plot("chart-score-trend", null);
    $("scores-note").hidden = true;
    return;
  }
  clear($("kpis"), headlines.map((r) => el("div", { class: "kpi" },
    el("p", { class: "kpi-name" }, titles[r.score]),
    el("p", { class: "kpi-value" }, fmtScore(r.value, r.score)),
    el("p", { class: "kpi-ci" }, r.ci_low === null ? "" : `95% CI ${fmtScore(r.ci_low, r.score)} to ${fmtScore(r.ci_high, r.score)}`),
    el("p", { class: "kpi-n" }, `n = ${fmtInt(r.n)}`, r.low_n ? el("span", { class: "warn" }, " · small sample") : null))));
  const note = $("scores-note");
  note.hidden = state.scores !== null;
  note.textContent = "Headline scores need GET /v1/runs/{run_id}/scores, which this server does not offer yet.";
  plot("chart-score-trend", state.scores?.trend?.length ? scoreTrendFigure(state.scores.trend, state.context.period) : null);
}

// -- tables -----------------------------------------------------------------------------------

function themeLink(theme) {
  return el("a", { href: `#theme-${theme.theme_id}`, class: "theme-link",
    onclick: (event) => { event.preventDefault(); openTheme(theme.theme_id); } }, theme.label);
}

function renderPain() {
  const name = SCORE_NAMES[state.score];
  const byCost = state.context.ranked_by === "cost";
  const w = state.context.windows;
  $("pain-lede").textContent = byCost ? `Themes ranked by the ${name} points their negative mentions cost.`
    : `Themes ranked by the responses with a negative mention of them: these responses have no ${name} ratings to measure a cost in.`
      + ` Negative: the share of the theme's mentions that are negative${w ? `; ${w.baseline_label} → ${w.recent_label}: the share of comments with a negative mention of it` : ""}.`;
  const growth = !byCost && w;
  const titles = byCost ? ["#", "Theme", "Owner", `Cost (${name} pts)`, "Negative responses", "Trend", "Example"]
    : ["#", "Theme", "Owner", "Negative responses", "Negative", ...(growth ? [`${w.baseline_label} → ${w.recent_label}`] : []), "Trend", "Example"];
  const numeric = byCost ? [0, 3, 4] : [0, 3, 4, ...(growth ? [5] : [])];
  const head = el("thead", {}, el("tr", {}, titles.map((h, i) => el("th", { class: numeric.includes(i) ? "num" : null }, h))));
  const trend = (p) => (!byCost && p.negative_trend === "emerging" ? "emerging" : p.trend);
  const figures = (p) => (byCost
    ? [el("td", { class: "num" }, fmtPoints(p.cost, digits())), el("td", { class: "num" }, fmtInt(p.n_negative))]
    : [el("td", { class: "num" }, fmtInt(p.n_negative)), el("td", { class: "num" }, fmtPct(p.share_negative)),
      growth ? el("td", { class: "num" }, `${fmtPct(p.negative_baseline_share, 1)} → ${fmtPct(p.negative_recent_share, 1)}`) : null]);
  const body = el("tbody", {}, state.pain.slice(0, 10).map((p) => el("tr", {},
    el("td", { class: "num" }, p.rank), el("td", {}, themeLink(p)), el("td", {}, p.owner || "–"), ...figures(p),
    el("td", {}, statusBadge(trend(p))), el("td", { class: "quote" }, p.examples?.length ? `“${readable(p.examples)[0]}”` : ""))));
  clear($("pain-table"), head, state.pain.length ? body : el("tbody", {}, el("tr", {}, el("td", { colspan: titles.length, class: "muted" }, "No theme has negative mentions."))));
}

function themeRow(t) {
  return el("tr", { class: "theme-row", tabindex: 0, "aria-expanded": "false", dataset: { theme: t.theme_id },
    onclick: () => toggleTheme(t.theme_id),
    onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggleTheme(t.theme_id); } } },
  el("td", {}, t.parent_label ? el("span", { class: "parent" }, `${t.parent_label} › `) : null, el("strong", { class: "theme-label" }, t.label)),
  el("td", {}, t.owner || "–"), el("td", { class: "num" }, fmtInt(t.responses)), el("td", { class: "num" }, fmtPct(t.share, 1)),
  el("td", {}, sentimentMix(t)),
  ...(scored() ? [el("td", { class: "num" }, fmtScore(t.score, state.score), t.low_n ? el("span", { class: "warn" }, " †") : null),
    el("td", { class: `num ${harmful(t.impact) ? "bad" : "good"}` }, fmtPoints(t.impact, digits(), true))] : []),
  el("td", {}, statusBadge(t.trend)));
}

function renderCatalogue() {
  const name = SCORE_NAMES[state.score];
  const titles = ["Theme", "Owner", "Responses", "Share", "Sentiment", ...(scored() ? [name, "Impact"] : []), "Trend"];
  const head = el("thead", {}, el("tr", {}, titles
    .map((h, i) => el("th", { class: [2, 3, 5, 6].includes(i) && h !== "Trend" ? "num" : null }, h))));
  const rows = [...state.themes].sort((a, b) => b.responses - a.responses || a.theme_id - b.theme_id);
  const body = el("tbody", {}, rows.flatMap((t) => [themeRow(t),
    el("tr", { class: "theme-detail", id: `theme-${t.theme_id}`, hidden: true }, el("td", { colspan: titles.length }))]));
  clear($("theme-table"), head, body);
}

// -- theme drill-down -------------------------------------------------------------------------

async function themeDetail(themeId) {
  const key = `${state.run.run_id}|${state.score}|${JSON.stringify(filterParams(state.filters))}|${themeId}`;
  if (!state.details.has(key)) {
    state.details.set(key, endpoints.theme(state.run.run_id, themeId, state.score, filterParams(state.filters)));
  }
  try {
    return await state.details.get(key);
  } catch (error) {
    state.details.delete(key);
    throw error;
  }
}

function renderDetail(cell, d) {
  const verbatims = el("ul", { class: "verbatims" }, (d.examples || []).map((v) => el("li", { class: "verbatim" },
    el("span", { class: `pill ${v.sentiment}` }, v.sentiment), " ", v.text)));
  const chart = el("div", { class: "chart mini" });
  clear(cell, el("div", { class: "detail" },
    el("h3", {}, d.label),
    el("p", { class: "meta" }, d.parent_label ? el("span", {}, `in ${d.parent_label}`) : null,
      el("span", {}, `owner: ${d.owner || "not assigned"}`),
      el("span", {}, `${fmtInt(d.responses)} responses (${fmtPct(d.share, 1)} of comments)`),
      scored() && d.score !== null ? el("span", {}, `${SCORE_NAMES[state.score]} of mentioners ${fmtScore(d.score, state.score)}`) : null),
    d.keywords?.length ? el("p", { class: "keywords" }, d.keywords.map((k) => el("span", { class: "chip" }, k))) : null,
    el("div", { class: "detail-grid" },
      el("div", {}, el("h4", {}, "Verbatims"), d.examples?.length ? verbatims : el("p", { class: "muted" }, "No verbatims for these filters.")),
      el("div", {}, el("h4", {}, `Share of comments by ${state.context.period}`), chart))));
  if (d.trend_series?.length && typeof Plotly !== "undefined") {
    const fig = trendsFigure([{ theme: d, status: d.trend, series: d.trend_series }], state.context.period);
    fig.layout.height = 200;
    fig.layout.showlegend = false;
    Plotly.newPlot(chart, fig.data, fig.layout, { ...PLOT_CONFIG, displayModeBar: false });
  }
}

async function setTheme(themeId, open) {
  const row = document.querySelector(`tr.theme-row[data-theme="${themeId}"]`);
  const detail = $(`theme-${themeId}`);
  if (!row || !detail) return null;
  row.setAttribute("aria-expanded", String(open));
  detail.hidden = !open;
  if (open && !detail.dataset.loaded) {
    clear(detail.firstChild, el("p", { class: "muted" }, "Loading verbatims…"));
    try {
      renderDetail(detail.firstChild, await themeDetail(themeId));
      detail.dataset.loaded = "1";
    } catch (error) {
      clear(detail.firstChild, el("p", { class: "error" }, error.message));
      handleError(error);
    }
  }
  return row;
}

function toggleTheme(themeId) {
  const detail = $(`theme-${themeId}`);
  if (detail) setTheme(themeId, detail.hidden);
}

async function openTheme(themeId) {
  const row = await setTheme(themeId, true);
  if (row) row.scrollIntoView({ behavior: "smooth", block: "start" });
}

// -- trends and segments (extra requests) -----------------------------------------------------

async function loadTrends(generation) {
  const moved = state.themes.filter((t) => t.trend === "emerging" || t.trend === "fading");
  const picked = [...moved.filter((t) => t.trend === "emerging"), ...moved.filter((t) => t.trend === "fading")].slice(0, 6);
  const themes = picked.length ? picked : [...state.themes].sort((a, b) => b.responses - a.responses).slice(0, 5);
  const details = await Promise.all(themes.map((t) => themeDetail(t.theme_id)));
  if (generation !== state.generation) return;
  state.trendSeries = details.map((d, i) => ({ theme: themes[i], status: themes[i].trend, series: d.trend_series || [] }));
  plot("chart-trends", trendsFigure(state.trendSeries, state.context.period));
  renderChanged();
}

function segmentValues(column) {
  return (state.run?.segment_values || {})[column] || [];
}

async function loadSegments(generation) {
  const column = $("compare-column").value;
  const values = segmentValues(column);
  if (!column || !values.length) {
    state.segmentRows = [];
    clear($("chart-segments"), el("p", { class: "muted" }, column
      ? "Segment values are not available: GET /v1/runs/{run_id} needs a segment_values field."
      : "This run has no segment column."));
    return;
  }
  const base = filterParams(state.filters).filter(([name, value]) => name !== "segment" || !value.startsWith(`${column}:`));
  const tables = await Promise.all(values.map((v) => endpoints.themes(state.run.run_id, state.score, [...base, ["segment", `${column}:${v}`]])));
  if (generation !== state.generation) return;
  const bySegment = values.map((value, i) => ({ value, themes: tables[i].data }));
  state.segmentRows = bySegment.flatMap((s) => s.themes.map((t) => ({ segment: column, segment_value: s.value, ...t })));
  plot("chart-segments", segmentFigure(bySegment, state.themes, column));
}

// -- loading a run ----------------------------------------------------------------------------

async function optional(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

async function refresh() {
  if (!state.run) return;
  const generation = ++state.generation;
  const params = filterParams(state.filters);
  const runId = state.run.run_id;
  showBanner("");
  document.body.classList.add("loading");
  try {
    const [themes, pain, scores] = await Promise.all([
      endpoints.themes(runId, state.score, params), endpoints.painPoints(runId, state.score, params),
      optional(endpoints.scores(runId, params))]);
    if (generation !== state.generation) return;
    const context = { score_available: themes.score_available, ranked_by: pain.ranked_by, period: themes.period, windows: themes.windows };
    Object.assign(state, { themes: themes.data, pain: pain.data, scores, context, trendSeries: [] });
    renderAll();
    await Promise.all([loadTrends(generation), loadSegments(generation)]);
  } catch (error) {
    handleError(error);
  } finally {
    if (generation === state.generation) document.body.classList.remove("loading");
  }
}

function renderAll() {
  document.querySelectorAll(".score-name").forEach((n) => { n.textContent = SCORE_NAMES[state.score]; });
  renderScores();
  renderChanged();
  plot("chart-volume", volumeFigure(state.themes), true);
  if (scored()) {
    plot("chart-impact", impactFigure(state.themes, state.score), true);
  } else {
    plot("chart-impact", null);
    const node = $("chart-impact");
    node.hidden = false;
    clear(node, el("p", { class: "muted empty" }, `These responses have no ${SCORE_NAMES[state.score]} ratings, so what each theme does to it cannot be measured. Pain points are ranked by their negative mentions.`));
  }
  plot("chart-hierarchy", hierarchyFigure(state.themes, scored() ? state.score : null));
  $("hierarchy-lede").textContent = "Parent themes and the themes within them. Area: responses; colour: "
    + (scored() ? "score of the responses mentioning the theme (red below the overall score, blue above)"
      : "share of the theme's mentions that are negative (red: more negative)") + ". Click a box to zoom in.";
  const w = state.context.windows;
  $("trends-lede").textContent = w
    ? `Share of comments per ${state.context.period} mentioning each theme whose share changed in ${w.recent_label} against ${w.baseline_label}.`
    : `Share of comments per ${state.context.period} mentioning the largest themes. ${NO_WINDOWS}`;
  renderPain();
  renderCatalogue();
}

function fillSegmentControls(run) {
  const options = (select, first) => clear(select, first, (run.segments || []).map((s) => el("option", { value: s }, s)));
  options($("segment-column"), el("option", { value: "" }, "All responses"));
  options($("compare-column"), null);
  $("segment-value").value = "";
  $("segment-value").disabled = true;
}

async function selectRun(runId) {
  const listed = state.runs.find((r) => r.run_id === runId);
  if (!listed) return;
  let run = listed;
  try {
    run = await endpoints.run(runId); // the detail carries segment_values
  } catch (error) {
    handleError(error);
  }
  state.run = run;
  state.details.clear();
  history.replaceState(null, "", `#run=${encodeURIComponent(runId)}`);
  $("run-meta").textContent = [`Run ${run.run_id}`, run.source, run.created_at ? `analysed ${run.created_at.slice(0, 16).replace("T", " ")}` : null,
    run.n_responses ? `${fmtInt(run.n_responses)} responses` : null].filter(Boolean).join(" · ");
  fillSegmentControls(run);
  clear($("search-results"));
  clear($("search-themes"));
  await refresh();
}

async function loadRuns() {
  try {
    state.runs = (await endpoints.runs()).data;
  } catch (error) {
    handleError(error);
    return;
  }
  const done = state.runs.filter((r) => r.status === "done");
  clear($("run-select"), state.runs.length ? state.runs.map((r) => el("option", { value: r.run_id, disabled: r.status !== "done" },
    `${r.source} · ${r.run_id}${r.status === "done" ? "" : ` (${r.status})`}`)) : el("option", { value: "" }, "No runs yet"));
  const wanted = new URLSearchParams(location.hash.slice(1)).get("run");
  const pick = done.find((r) => r.run_id === wanted) || done[0];
  if (!pick) {
    showBanner("No finished run yet: upload an export with POST /v1/runs, or run 'cxa analyze'.");
    return;
  }
  $("run-select").value = pick.run_id;
  selectRun(pick.run_id);
}

// -- search -----------------------------------------------------------------------------------

async function search(query) {
  if (!state.run || !query.trim()) return;
  clear($("search-results"), el("li", { class: "muted" }, "Searching…"));
  try {
    const result = await endpoints.search(state.run.run_id, query.trim(), filterParams(state.filters));
    state.hits = result.data;
    clear($("search-themes"), result.themes.map((t) => el("span", { class: "chip" }, `${t.label ?? "No theme"} · ${t.count}`)));
    clear($("search-results"), result.data.length ? result.data.map((h) => el("li", { class: "hit" },
      el("span", { class: `pill ${h.sentiment}` }, h.sentiment), " ", h.text,
      el("span", { class: "vmeta" }, h.theme_id >= 0 ? themeLink({ theme_id: h.theme_id, label: h.theme_label }) : "no theme",
        ` · similarity ${h.similarity.toFixed(2)}`))) : el("li", { class: "muted" }, "No comment matches."));
  } catch (error) {
    clear($("search-results"), el("li", { class: "error" }, error.message));
    if (error instanceof ApiError && error.status === 401) handleError(error);
  }
}

// -- CSV --------------------------------------------------------------------------------------

function csvRows(key) {
  const themes = state.themes;
  switch (key) {
    case "scores": return [...(state.scores?.data || []), ...(state.scores?.trend || []).map((r) => ({ figure: state.context.period, ...r }))];
    case "themes": return themes;
    case "pain_points": return state.pain;
    case "hierarchy": return themes.map(({ theme_id, label, parent_id, parent_label, responses, score }) => ({ theme_id, label, parent_id, parent_label, responses, score }));
    case "trends": return state.trendSeries.flatMap((t) => t.series.map((p) => ({ theme_id: t.theme.theme_id, label: t.theme.label, status: t.status, ...p })));
    case "segments": return state.segmentRows;
    case "search": return state.hits;
    default: return [];
  }
}

// -- wiring -----------------------------------------------------------------------------------

function readFilters() {
  state.filters = {
    segmentColumn: $("segment-column").value, segmentValue: $("segment-value").value.trim(),
    since: $("since").value, until: $("until").value, score_band: $("score-band").value,
  };
}

function wire() {
  $("run-select").addEventListener("change", (e) => selectRun(e.target.value));
  $("score-select").addEventListener("change", (e) => { state.score = e.target.value; state.details.clear(); refresh(); });
  $("segment-column").addEventListener("change", (e) => {
    $("segment-value").disabled = !e.target.value;
    clear($("segment-values"), segmentValues(e.target.value).map((v) => el("option", { value: v })));
  });
  $("filters").addEventListener("submit", (e) => { e.preventDefault(); readFilters(); state.details.clear(); refresh(); });
  $("reset-filters").addEventListener("click", () => { $("filters").reset(); $("segment-value").disabled = true; readFilters(); refresh(); });
  $("compare-column").addEventListener("change", () => loadSegments(state.generation).catch(handleError));
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); search($("search-input").value); });
  $("key-button").addEventListener("click", () => askForKey(""));
  $("key-forget").addEventListener("click", () => { setKey(""); $("key-input").value = ""; });
  $("key-form").addEventListener("submit", () => { setKey($("key-input").value.trim()); loadRuns(); });
  document.querySelectorAll("button.csv").forEach((b) => b.addEventListener("click", () => {
    const key = b.dataset.csv;
    downloadCsv(`${state.run?.run_id || "cxa"}-${key}.csv`, csvRows(key));
  }));
}

wire();
readFilters();
loadRuns();
