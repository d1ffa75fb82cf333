// Polls the worker's API and redraws in place: no reload, no build step, no libraries.
"use strict";

const POLL_MS = Number(new URLSearchParams(location.search).get("poll_ms")) || 2000;
const SPEAKERS = 10;
const QUOTES = 10;
// A day of hopping windows (5-minute steps), a week of days.
const POINTS = { total: 288, hopping: 288, tumbling: 7 };

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function when(iso) {
  return iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "—";
}

function duration(seconds) {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${seconds / 60} min`;
}

function sparkline(values) {
  const width = 160, height = 28, max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`)
    .join(" ");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("aria-label", `peak ${max} in one window`);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points);
  svg.append(line);
  return svg;
}

function drawSpeakers(page) {
  $("as-of").textContent = when(page.as_of);
  const w = page.window;
  $("window-hint").textContent = w.start
    ? `window ${when(w.start)} – ${when(w.end)} (${duration(w.size_s)}, late reports counted up to ${duration(w.grace_s)} after it ends)`
    : `${page.total} speakers`;
  const axis = page.series;
  $("series-hint").textContent = axis.first_start
    ? `series: ${axis.points} ${axis.kind} windows of ${duration(axis.size_s)}, every ${duration(axis.step_s)}, from ${when(axis.first_start)}`
    : "";
  const rows = page.items.map((s) =>
    el("tr", { "data-speaker-id": s.speaker_id },
      el("td", { class: "num" }, String(s.rank)),
      el("td", { class: "name" }, s.speaker),
      el("td", { class: "num window" }, String(s.window_occurrences)),
      el("td", { class: "num occurrences" }, String(s.occurrences)),
      el("td", { class: "num" }, String(s.distinct_quotes)),
      el("td", { class: "num" }, String(s.outlets.length)),
      el("td", {}, sparkline(s.series))));
  $("speakers").replaceChildren(...rows);
}

const CORRECTED_TITLE = "Reported by an edited update, or a report of it was retracted";

function drawQuotes(page) {
  const items = page.items.map((q) =>
    el("li", { "data-quote-id": q.quote_id, class: q.corrected ? "corrected" : "" },
      el("blockquote", {}, `“${q.text}”`),
      el("div", { class: "by" },
        `${q.speaker ?? "unattributed"} · ${q.outlets.join(", ")} · ${when(q.last_seen)}` +
        (q.occurrences > 1 ? ` · reported ${q.occurrences} times` : "")),
      q.corrected
        ? el("span", { class: "badge", title: CORRECTED_TITLE }, "corrected")
        : ""));
  $("quotes").replaceChildren(...items);
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${response.status} ${body.error}: ${body.detail}`);
  return body;
}

async function refresh() {
  const windowKind = $("window").value;
  try {
    const [speakers, quotes] = await Promise.all([
      getJson(`/speakers?window=${windowKind}&limit=${SPEAKERS}&points=${POINTS[windowKind]}`),
      getJson(`/quotes?limit=${QUOTES}`),
    ]);
    drawSpeakers(speakers);
    drawQuotes(quotes);
    $("status").dataset.state = "ok";
    $("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    $("status").dataset.state = "error";
    $("status").textContent = `update failed: ${error.message}`;
  }
}

async function loop() {
  await refresh();
  setTimeout(loop, POLL_MS);
}

$("window").addEventListener("change", refresh);
loop();
