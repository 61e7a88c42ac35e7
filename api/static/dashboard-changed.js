// The "What changed" callout: the fastest-growing theme, the top pain point and the score in
// the recent window against the baseline. Worded from the API's context (state.context): the
// windows are the API's (days, weeks or months, following the run's span), and without ratings
// of the chosen score no score figure is shown: the pain point is told by its negative
// responses, negative share and growth.
import { SCORE_NAMES } from "./dashboard-charts.js";
import { el, fmtInt, fmtPct, fmtPoints, fmtScore, readable } from "./dashboard-util.js";

export const NO_WINDOWS = "There is no recent window to compare: the responses have no dates, or span too short a time.";

const digits = (score) => (score === "ces" ? 2 : 1);
const known = (value) => value !== null && value !== undefined;

function impactVerb(impact, score) {
  if (score === "ces") return impact > 0 ? "Raises effort by" : "Lowers effort by";
  return impact < 0 ? "Costs" : "Adds";
}

// The first day of a point's period: the API's period_start, or a "YYYY-MM" month's first day.
const periodStart = (p) => String(p.period_start || `${p.period}-01`).slice(0, 10);

// The points of a per-period series in the recent window and in the baseline.
export function inWindows(series, windows) {
  if (!windows) return { recent: [], before: [] };
  return {
    recent: series.filter((p) => periodStart(p) >= windows.recent_start),
    before: series.filter((p) => periodStart(p) >= windows.baseline_start && periodStart(p) < windows.recent_start),
  };
}

function windowShares(series, windows) {
  const { recent, before } = inWindows(series, windows);
  const share = (ps) => {
    const n = ps.reduce((s, p) => s + p.n_commented, 0);
    return n ? ps.reduce((s, p) => s + p.responses, 0) / n : null;
  };
  return { recent: share(recent), before: share(before) };
}

function emergingCard(state, themeLink) {
  const w = state.context.windows;
  const rising = state.trendSeries.filter((t) => t.status === "emerging")
    .map((t) => ({ ...t, ...windowShares(t.series, w) }))
    .filter((t) => t.recent !== null && t.before !== null)
    .sort((a, b) => (b.recent - b.before) - (a.recent - a.before));
  if (!rising.length) {
    return el("article", { class: "note" }, el("p", { class: "note-kicker" }, "Emerging themes"),
      el("h3", {}, "No theme grew significantly"),
      el("p", {}, w ? `No theme's share of comments in ${w.recent_label} is significantly above ${w.baseline_label}.` : NO_WINDOWS));
  }
  const top = rising[0];
  const sd = top.before < 0.1 ? 1 : 0;
  const { impact, share_negative: negative } = top.theme;
  let cost = null;
  if (state.context.score_available && known(impact)) {
    cost = el("p", {}, `${impactVerb(impact, state.score)} `,
      el("strong", {}, `${fmtPoints(Math.abs(impact), digits(state.score))} ${SCORE_NAMES[state.score]} points`), " overall.");
  } else if (known(negative)) {
    cost = el("p", {}, el("strong", {}, fmtPct(negative)), " of its mentions are negative.");
  }
  return el("article", { class: "note note-emerging" },
    el("p", { class: "note-kicker" }, "Fastest-growing theme"),
    el("h3", {}, themeLink(top.theme)),
    el("p", { class: "big" }, `${fmtPct(top.before, sd)} → ${fmtPct(top.recent, sd)} `,
      el("span", { class: "delta bad" }, `${fmtPoints(100 * (top.recent - top.before), 0, true)} pts`)),
    el("p", {}, `of comments mention it in ${w.recent_label}, against ${fmtPct(top.before, sd)} in ${w.baseline_label}.`),
    cost,
    top.theme.owner ? el("p", { class: "owner" }, `Owner: ${top.theme.owner}`) : null);
}

// The top pain point of responses without ratings: its negative responses, share and growth.
function painVolume(top, w) {
  const growing = top.trend === "emerging" || top.negative_trend === "emerging";
  const parts = [];
  if (known(top.share_negative)) parts.push(`${fmtPct(top.share_negative)} of its mentions are negative.`);
  if (w && known(top.negative_recent_share) && known(top.negative_baseline_share)) {
    parts.push(`Negative mentions in ${fmtPct(top.negative_baseline_share, 1)} of comments in ${w.baseline_label}, `
      + `${fmtPct(top.negative_recent_share, 1)} in ${w.recent_label}${growing ? ": growing" : ""}.`);
  } else if (growing) {
    parts.push("Growing.");
  }
  return [el("p", { class: "big" }, `${fmtInt(top.n_negative)} `, el("span", { class: "unit" }, "responses with a negative mention")),
    el("p", {}, parts.join(" "))];
}

function painCard(state, themeLink) {
  const top = state.pain[0];
  if (!top) return null;
  const ces = state.score === "ces";
  const figures = state.context.score_available && known(top.cost)
    ? [el("p", { class: "big" }, `${fmtPoints(ces ? top.cost : -top.cost, digits(state.score), true)} `,
      el("span", { class: "unit" }, `${SCORE_NAMES[state.score]} points`)),
    el("p", {}, `${ces ? "added by" : "lost to"} ${fmtInt(top.n_negative)} responses with a negative mention.`)]
    : painVolume(top, state.context.windows);
  return el("article", { class: "note note-pain" },
    el("p", { class: "note-kicker" }, "Top pain point"),
    el("h3", {}, themeLink(top)),
    ...figures,
    top.examples?.length ? el("blockquote", {}, `“${readable(top.examples)[0]}”`) : null,
    top.owner ? el("p", { class: "owner" }, `Owner: ${top.owner}`) : null);
}

function scoreCard(state) {
  const w = state.context.windows;
  if (!state.context.score_available || !w) return null;
  const trend = (state.scores?.trend || []).filter((r) => r.score === state.score && r.n > 0 && known(r.value));
  const { recent: last, before: base } = inWindows(trend, w);
  if (!last.length || !base.length) return null;
  const pooled = (rows) => rows.reduce((s, r) => s + r.value * r.n, 0) / rows.reduce((s, r) => s + r.n, 0);
  const recent = pooled(last);
  const before = pooled(base);
  const name = SCORE_NAMES[state.score];
  return el("article", { class: "note note-score" },
    el("p", { class: "note-kicker" }, `${name} trend`),
    el("h3", {}, `${name} ${recent < before ? "fell" : "rose"}`),
    el("p", { class: "big" }, `${fmtScore(before, state.score)} → ${fmtScore(recent, state.score)}`),
    el("p", {}, `${w.recent_label} against ${w.baseline_label}.`));
}

// The cards of the callout (null where a card has nothing to say).
export function changedCards(state, themeLink) {
  return [emergingCard(state, themeLink), painCard(state, themeLink), scoreCard(state)];
}
