// Building the page from data: elements made with textContent only (nothing the API returns
// is ever parsed as HTML), and the few formats every view shares.

/** h("td", { class: "num", title }, "text", child…): an element; attributes set to undefined or false are left out. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `element` holds. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A table with a head row; `rows` are arrays of cells (a cell: text, a node, or [attributes, …children]). */
export function table(columns, rows, attributes = {}) {
  const cell = (tag, value) => (Array.isArray(value) ? h(tag, value[0], ...value.slice(1)) : h(tag, {}, value));
  return h(
    "table",
    attributes,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((column) => cell("th", column)),
      ),
    ),
    h("tbody", {}, rows),
  );
}

export const dash = "—";

export function formatMs(ms) {
  if (ms === null || ms === undefined) return dash;
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return dash;
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)} %`;
}

export function formatCost(cost) {
  if (!cost) return "0";
  return cost < 0.01 ? `$${cost.toPrecision(2)}` : `$${cost.toFixed(2)}`;
}

export function formatCount(value) {
  return value === null || value === undefined ? dash : Number(value).toLocaleString("en-US");
}

/** `left / limit`, or a dash for a limit that is off (0). */
export function formatBudget(left, limit) {
  return !limit ? dash : `${formatCount(left)} / ${formatCount(limit)}`;
}

/** The local time of day, 24-hour. */
export const formatClock = (at = new Date()) => at.toLocaleTimeString("en-GB", { hour12: false });

/** Local time, with the date when it is not today. */
export function formatTime(iso) {
  if (!iso) return dash;
  const at = new Date(iso);
  const time = formatClock(at);
  return at.toDateString() === new Date().toDateString() ? time : `${at.toLocaleDateString("en-CA")} ${time}`;
}

/** The first characters of an id, with the whole id as its title. */
export function shortId(id, length = 8) {
  return id ? h("span", { class: "mono", title: id }, id.length > length ? `${id.slice(0, length)}…` : id) : dash;
}

/** A message in a view's own space (loading, empty, failed). */
export function notice(text, kind = "info") {
  return h("p", { class: `notice ${kind}` }, text);
}
