// DOM building without innerHTML (all text is set as text), number formatting and CSV export.

// el("td", {class: "num"}, "12", child...): strings become text nodes, never markup.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

const missing = (v) => v === null || v === undefined || Number.isNaN(v);

export function fmtScore(value, kind, signed = true) {
  if (missing(value)) return "–";
  if (kind === "ces") return value.toFixed(2);
  if (Math.round(value) === 0) return kind === "csat" ? "0%" : "0";
  const text = kind === "nps" && signed && value > 0 ? `+${value.toFixed(0)}` : value.toFixed(0);
  return text.replace("-", "−") + (kind === "csat" ? "%" : "");
}

export function fmtPct(value, digits = 0) {
  return missing(value) ? "–" : `${(100 * value).toFixed(digits)}%`;
}

export function fmtPoints(value, digits = 1, signed = false) {
  if (missing(value)) return "–";
  const text = signed && value > 0 ? `+${value.toFixed(digits)}` : value.toFixed(digits);
  return text.replace("-", "−");
}

export function fmtInt(value) {
  return missing(value) ? "–" : Math.round(value).toLocaleString("en-US");
}

const FORMULA = /^[=+\-@\t\r]/;

function csvCell(value) {
  if (value === null || value === undefined) return "";
  let text = Array.isArray(value) ? value.join("; ") : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value !== "number" && FORMULA.test(text)) text = `'${text}`; // spreadsheet formula
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// rows: list of plain objects; columns: their keys in order (default: keys of the first row).
export function toCsv(rows, columns) {
  const cols = columns || (rows.length ? Object.keys(rows[0]) : []);
  const lines = [cols.map(csvCell).join(",")];
  for (const row of rows) lines.push(cols.map((c) => csvCell(row[c])).join(","));
  return `${lines.join("\n")}\n`;
}

export function downloadCsv(filename, rows, columns) {
  const blob = new Blob(["\ufeff", toCsv(rows, columns)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function statusBadge(status) {
  if (status === "emerging") return el("span", { class: "badge up" }, "▲ emerging");
  if (status === "fading") return el("span", { class: "badge down" }, "▼ fading");
  if (status === "stable") return el("span", { class: "badge" }, "stable");
  return el("span", { class: "badge muted" }, "–");
}

export function sentimentMix(row) {
  const width = (v) => `${missing(v) ? 0 : Math.max(0, Math.min(100, 100 * v)).toFixed(1)}%`;
  const bar = el("span", { class: "mix", title: `negative ${fmtPct(row.share_negative)}, neutral ${fmtPct(row.share_neutral)}, positive ${fmtPct(row.share_positive)}` });
  for (const [cls, key] of [["neg", "share_negative"], ["neu", "share_neutral"], ["pos", "share_positive"]]) {
    const part = el("i", { class: cls });
    part.style.width = width(row[key]);
    bar.append(part);
  }
  return bar;
}

// Texts of at least two words first: not an emoji or "n/a" on top.
const words = (text) => (String(text).match(/\p{L}{2,}/gu) || []).length;
export function readable(texts) {
  return [...(texts || [])].sort((a, b) => (words(a) < 2) - (words(b) < 2));
}
