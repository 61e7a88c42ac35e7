// Plotly figures of the dashboard, one function per chart, each returning {data, layout}.
// They mirror analyzer/report/figures.py so the dashboard and the HTML report look alike.
// Theme labels come from customers' words: every string plotly draws goes through esc(),
// because plotly reads <b>, <a href>... in text as markup.

export const SENTIMENT_COLORS = { negative: "#d1495b", neutral: "#c3cad5", positive: "#2a9d8f" };
export const SCORE_NAMES = { nps: "NPS", csat: "CSAT", ces: "CES" };
const SCORE_TITLES = { nps: "NPS", csat: "CSAT (% satisfied)", ces: "CES (mean, 1–7)" };
const LINE_COLORS = ["#d1495b", "#3b5bdb", "#e09f3e", "#2a9d8f", "#7b2cbf", "#6b7280"];
const FONT = "Inter, -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Arial, sans-serif";
const INK = "#1f2937";
const GRID = "#e5e7eb";
const ACCENT = "#3b5bdb";
export const TOP_THEMES = 15;
// explicit scales: plotly.js and plotly.py name "RdBu" / "Blues" in opposite directions
const DIVERGING = [[0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1, "#2166ac"]];
const SEQUENTIAL = [[0, "#eef3fb"], [0.5, "#7fa7e0"], [1, "#1d3f9a"]];

export function esc(value) {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

function short(label, width = 30) {
  const text = String(label ?? "");
  return text.length <= width ? text : `${text.slice(0, width - 1).trimEnd()}…`;
}

// Escaped, shortened, unique axis labels (a repeated label gets its theme id).
export function themeNames(rows, width = 30) {
  const names = rows.map((r) => esc(short(r.label, width)));
  const counts = new Map();
  names.forEach((n) => counts.set(n, (counts.get(n) || 0) + 1));
  return names.map((n, i) => {
    const name = counts.get(n) > 1 ? `${n} (#${rows[i].theme_id})` : n;
    return rows[i].trend === "emerging" ? `${name} ▲` : name;
  });
}

function axis(extra = {}) {
  return { gridcolor: GRID, zerolinecolor: "#9ca3af", linecolor: GRID, automargin: true, ...extra };
}

function layout(height, extra = {}) {
  return {
    height,
    font: { family: FONT, size: 13, color: INK },
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    margin: { l: 10, r: 20, t: 36, b: 40 },
    hoverlabel: { font: { family: FONT, size: 12 }, bgcolor: "white" },
    legend: { orientation: "h", yanchor: "bottom", y: 1.02, x: 0, xanchor: "left", traceorder: "normal" },
    xaxis: axis(),
    yaxis: axis(),
    ...extra,
  };
}

function byVolume(themes) {
  return [...themes].sort((a, b) => b.responses - a.responses || a.theme_id - b.theme_id);
}

export function volumeFigure(themes) {
  const rows = byVolume(themes).filter((r) => r.responses > 0).slice(0, TOP_THEMES);
  const names = themeNames(rows);
  const data = Object.entries(SENTIMENT_COLORS).map(([sentiment, color]) => ({
    type: "bar",
    orientation: "h",
    name: sentiment[0].toUpperCase() + sentiment.slice(1),
    y: names,
    x: rows.map((r) => Math.round(r.mentions * (r[`share_${sentiment}`] || 0))),
    customdata: rows.map((r) => [r.theme_id, r.responses, 100 * (r.share || 0)]),
    marker: { color },
    hovertemplate:
      `<b>%{y}</b><br>${sentiment}: %{x} mentions<br>` +
      "%{customdata[1]} responses (%{customdata[2]:.1f}% of comments)<extra></extra>",
  }));
  return {
    data,
    layout: layout(90 + 26 * Math.max(rows.length, 3), {
      barmode: "stack",
      bargap: 0.3,
      yaxis: axis({ autorange: "reversed", gridcolor: "rgba(0,0,0,0)" }),
      xaxis: axis({ title: { text: "Mentions" } }),
    }),
  };
}

export function impactFigure(themes, score) {
  const rows = themes
    .filter((r) => r.impact !== null && r.impact !== undefined)
    .sort((a, b) => Math.abs(b.impact) - Math.abs(a.impact) || a.theme_id - b.theme_id)
    .slice(0, TOP_THEMES)
    .sort((a, b) => a.impact - b.impact || a.theme_id - b.theme_id);
  const names = themeNames(rows);
  const name = SCORE_NAMES[score];
  const part = (column, legend, sentiment) => ({
    type: "bar",
    orientation: "h",
    name: legend,
    y: names,
    x: rows.map((r) => r[column] ?? 0),
    customdata: rows.map((r) => r.theme_id),
    marker: { color: SENTIMENT_COLORS[sentiment] },
    hovertemplate: `<b>%{y}</b><br>${legend}: %{x:+.1f} ${name} points<extra></extra>`,
  });
  const net = {
    type: "scatter",
    mode: "markers",
    name: "Net impact",
    y: names,
    x: rows.map((r) => r.impact),
    customdata: rows.map((r) => r.theme_id),
    marker: { symbol: "diamond", size: 10, color: INK, line: { color: "white", width: 1 } },
    hovertemplate: `<b>%{y}</b><br>Net: %{x:+.1f} ${name} points<extra></extra>`,
  };
  return {
    data: [part("impact_negative", "Negative", "negative"), part("impact_positive", "Positive", "positive"), net],
    layout: layout(90 + 32 * Math.max(rows.length, 3), {
      barmode: "group", // either part can have either sign: neither may hide the other
      bargap: 0.25,
      yaxis: axis({ autorange: "reversed", gridcolor: "rgba(0,0,0,0)" }),
      xaxis: axis({ title: { text: `${name} points` }, zeroline: true }),
    }),
  };
}

// The first day of a period: the API's period_start, or a "YYYY-MM" month's first day.
function periodStart(point) {
  return point.period_start || `${point.period}-01`;
}

// Hover date format of a point per period ("month" | "week" | "day").
function hoverDate(period) {
  if (period === "week") return "week of %d %b %Y";
  return period === "day" ? "%d %b %Y" : "%b %Y";
}

function tickFormat(period) {
  return period === "month" ? "%b\n%Y" : "%d %b\n%Y";
}

export function scoreTrendFigure(trend, period = "month") {
  const kinds = [...new Set(trend.map((r) => r.score))];
  const data = [];
  const extra = { grid: { rows: 1, columns: Math.max(kinds.length, 1), pattern: "independent" } };
  const annotations = [];
  kinds.forEach((kind, i) => {
    const rows = trend.filter((r) => r.score === kind);
    const suffix = i === 0 ? "" : String(i + 1);
    const x = rows.map(periodStart);
    data.push({
      type: "scatter", x: [...x, ...[...x].reverse()], xaxis: `x${suffix}`, yaxis: `y${suffix}`,
      y: [...rows.map((r) => r.ci_high), ...rows.map((r) => r.ci_low).reverse()],
      fill: "toself", fillcolor: "rgba(59,91,219,0.12)", line: { width: 0 },
      hoverinfo: "skip", showlegend: false,
    });
    data.push({
      type: "scatter", mode: "lines+markers", x, y: rows.map((r) => r.value),
      xaxis: `x${suffix}`, yaxis: `y${suffix}`, showlegend: false,
      line: { color: ACCENT, width: 2.5 },
      marker: { size: 7, color: rows.map((r) => (r.low_n ? "white" : ACCENT)), line: { color: ACCENT, width: 2 } },
      customdata: rows.map((r) => [r.ci_low, r.ci_high, r.n]),
      hovertemplate: `%{x|${hoverDate(period)}}<br>${SCORE_NAMES[kind]} %{y:.1f} (95% CI %{customdata[0]:.1f} to %{customdata[1]:.1f}), n=%{customdata[2]}<extra></extra>`,
    });
    extra[`xaxis${suffix}`] = axis({ tickformat: tickFormat(period) });
    extra[`yaxis${suffix}`] = axis();
    annotations.push({
      text: SCORE_TITLES[kind], showarrow: false, xref: `x${suffix} domain`, yref: `y${suffix} domain`,
      x: 0.5, y: 1.12, font: { size: 14 },
    });
  });
  return { data, layout: layout(300, { ...extra, annotations, margin: { l: 10, r: 20, t: 44, b: 40 } }) };
}

// trendSeries: [{theme, status, series: [{period, period_start, share}]}]; period: "month" | "week" | "day"
export function trendsFigure(trendSeries, period = "month") {
  const data = trendSeries.map(({ theme, status, series }, i) => {
    const label = esc(theme.label);
    const tag = status === "emerging" ? " ▲ emerging" : status === "fading" ? " ▼ fading" : "";
    return {
      type: "scatter", mode: "lines+markers", name: short(label, 26) + tag,
      x: series.map(periodStart),
      y: series.map((p) => (p.share === null ? null : 100 * p.share)),
      line: {
        color: LINE_COLORS[i % LINE_COLORS.length],
        width: status === "emerging" ? 3.5 : 2,
        dash: status === "fading" ? "dot" : "solid",
      },
      hovertemplate: `<b>${label}</b><br>%{x|${hoverDate(period)}}: %{y:.1f}% of comments<extra></extra>`,
    };
  });
  return {
    data,
    layout: layout(360, {
      legend: { orientation: "h", yanchor: "top", y: -0.18, x: 0 },
      yaxis: axis({ title: { text: "% of comments" }, rangemode: "tozero" }),
      xaxis: axis({ tickformat: tickFormat(period) }),
      margin: { l: 10, r: 20, t: 20, b: 40 },
    }),
  };
}

// Node id of a theme's parent group (parent ids number groups, not themes).
function parentNode(row) {
  if (row.parent_id === -1) return row.parent_label ? `p:${row.parent_label}` : "root";
  return `p${row.parent_id}`;
}

// score: the score kind the colour shows, or null (a run without its ratings): the colour is then
// the share of the theme's mentions that are negative, red the most negative.
export function hierarchyFigure(themes, score) {
  const rows = themes.filter((r) => r.responses > 0);
  const colour = (r) => (score === null ? (r.share_negative === null ? null : 100 * r.share_negative) : r.score);
  const nodes = new Map([["root", { label: "All themes", parent: "", value: 0, color: null }]]);
  for (const row of rows) {
    const parent = parentNode(row);
    if (!nodes.has(parent)) {
      nodes.set(parent, { label: esc(row.parent_label || `Group ${row.parent_id}`), parent: "root", value: 0, color: null });
    }
    nodes.set(`t${row.theme_id}`, { label: esc(row.label), parent, value: row.responses, color: colour(row) });
  }
  const weighted = (kids) => {
    const scored = kids.filter((n) => n.value && n.color !== null);
    const weight = scored.reduce((s, n) => s + n.value, 0);
    return weight ? scored.reduce((s, n) => s + n.value * n.color, 0) / weight : 0;
  };
  for (const [key, node] of nodes) {  // groups: response-weighted score of their themes
    if (node.color === null && key !== "root") {
      node.color = weighted([...nodes.values()].filter((n) => n.parent === key));
    }
  }
  nodes.get("root").color = weighted(rows.map((r) => nodes.get(`t${r.theme_id}`)));
  const ids = [...nodes.keys()];
  const name = score === null ? "% negative" : SCORE_NAMES[score];
  const scale = score === null ? DIVERGING.map(([x], i) => [x, DIVERGING[DIVERGING.length - 1 - i][1]]) : DIVERGING;
  return {
    data: [{
      type: "treemap", ids, branchvalues: "remainder",
      labels: ids.map((i) => nodes.get(i).label),
      parents: ids.map((i) => nodes.get(i).parent),
      values: ids.map((i) => nodes.get(i).value),
      marker: {
        colors: ids.map((i) => nodes.get(i).color), colorscale: scale, cmid: nodes.get("root").color,
        colorbar: { title: { text: `${name}` }, thickness: 12 },
      },
      texttemplate: "<b>%{label}</b><br>%{value} responses",
      hovertemplate: score === null
        ? "<b>%{label}</b><br>%{value} responses<br>%{color:.0f}% of mentions negative<extra></extra>"
        : `<b>%{label}</b><br>%{value} responses<br>${name} %{color:.1f}<extra></extra>`,
      tiling: { pad: 2 }, root: { color: "#f3f4f6" },
    }],
    layout: layout(420, { margin: { l: 5, r: 5, t: 5, b: 5 } }),
  };
}

// bySegment: [{value, themes: [...]}], order: the themes to show (rows of the overall table)
export function segmentFigure(bySegment, order, column) {
  const rows = byVolume(order).filter((r) => r.responses > 0).slice(0, 12);
  const values = bySegment.map((s) => s.value);
  const z = rows.map((theme) =>
    bySegment.map((s) => {
      const hit = s.themes.find((t) => t.theme_id === theme.theme_id);
      return hit && hit.share !== null ? 100 * hit.share : null;
    }),
  );
  return {
    data: [{
      type: "heatmap", z, x: values.map(esc), y: themeNames(rows),
      text: z.map((row) => row.map((v) => (v === null ? "" : `${v.toFixed(0)}%`))),
      texttemplate: "%{text}", colorscale: SEQUENTIAL, zmin: 0, xgap: 2, ygap: 2,
      colorbar: { title: { text: "% of<br>comments" }, thickness: 12 },
      hovertemplate: `<b>%{y}</b><br>${esc(column)} = %{x}: %{z:.1f}% of comments<extra></extra>`,
    }],
    layout: layout(110 + 30 * Math.max(rows.length, 3), {
      yaxis: axis({ autorange: "reversed", gridcolor: "rgba(0,0,0,0)" }),
      xaxis: axis({ side: "top", gridcolor: "rgba(0,0,0,0)" }),
      margin: { l: 10, r: 10, t: 50, b: 10 },
    }),
  };
}
