// Inferences: GET /v1/inferences, newest first, filtered by status, endpoint, agent and loop
// (kept in the address, so a filtered view can be shared), refreshed while on the first page.
import { api, ApiError, query } from "./api.js";
import { dash, fill, formatClock, formatCost, formatCount, formatMs, formatTime, h, notice, shortId, table } from "./dom.js";

export const refreshMs = 5_000;
const statuses = ["complete", "tool_call", "length_truncated", "error"];
const filterNames = ["status", "endpoint", "agent", "loop"];

const columns = [
  "Time",
  "Request",
  "Endpoint",
  "Status",
  [{ class: "num" }, "Latency"],
  [{ class: "num", title: "prompt / completion tokens" }, "Tokens"],
  [{ class: "num" }, "Cost"],
  [{ class: "num" }, "Retries"],
  "Error",
  "Agent",
  "Loop",
  "Session",
];

function filterLink(filters, name, value) {
  if (!value) return dash;
  return h("a", { href: `#/inferences${query({ ...filters, [name]: value })}`, title: `only ${name} ${value}` }, value);
}

function inferenceRow(filters, inference) {
  const statusKind = inference.status === "error" ? "bad" : inference.status === "length_truncated" ? "warn" : "good";
  return h(
    "tr",
    { "data-request-id": inference.request_id, "data-status": inference.status },
    h("td", { class: "nowrap", title: inference.created_at }, formatTime(inference.created_at)),
    h("td", { class: "mono clip", title: inference.request_id }, inference.request_id),
    h(
      "td",
      {},
      filterLink(filters, "endpoint", inference.endpoint),
      inference.provider_model ? h("div", { class: "sub" }, inference.provider_model) : undefined,
    ),
    h(
      "td",
      {},
      h("span", { class: `badge ${statusKind}` }, inference.status ?? dash),
      inference.finish_reason ? h("div", { class: "sub" }, inference.finish_reason) : undefined,
    ),
    h("td", { class: "num" }, formatMs(inference.latency_ms)),
    h("td", { class: "num" }, `${formatCount(inference.prompt_tokens)} / ${formatCount(inference.completion_tokens)}`),
    h("td", { class: "num" }, formatCost(inference.cost)),
    h("td", { class: "num" }, String(inference.retry_count)),
    h("td", { class: "mono" }, inference.error_code ?? ""),
    h("td", {}, filterLink(filters, "agent", inference.agent)),
    h("td", { class: "clip" }, filterLink(filters, "loop", inference.loop_id)),
    h(
      "td",
      {},
      inference.session_id
        ? h(
            "a",
            { href: `#/transcript/${encodeURIComponent(inference.session_id)}`, title: `transcript of ${inference.session_id}` },
            shortId(inference.session_id),
          )
        : dash,
    ),
  );
}

function filterForm(context, filters, endpointNames) {
  const select = (name, options) =>
    h(
      "select",
      { name },
      h("option", { value: "" }, `any ${name}`),
      options.map((option) => h("option", { value: option, selected: filters[name] === option }, option)),
    );
  const input = (name, placeholder) => h("input", { name, value: filters[name] ?? "", placeholder, spellcheck: "false" });
  const form = h(
    "form",
    { class: "filters", id: "inference-filters" },
    h("label", {}, "Status ", select("status", statuses)),
    h("label", {}, "Endpoint ", select("endpoint", endpointNames)),
    h("label", {}, "Agent ", input("agent", "agent key")),
    h("label", {}, "Loop ", input("loop", "loop_id")),
    h("button", { type: "submit" }, "Filter"),
    h("button", { type: "button", class: "quiet", onclick: () => context.go("#/inferences") }, "Clear"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    context.go(`#/inferences${query(Object.fromEntries(filterNames.map((name) => [name, String(data.get(name) ?? "").trim()])))}`);
  });
  return form;
}

export function mountInferences(root, context, { params }) {
  const filters = Object.fromEntries(filterNames.flatMap((name) => (params.get(name) ? [[name, params.get(name)]] : [])));
  const formSlot = h("div", {}, filterForm(context, filters, filters.endpoint ? [filters.endpoint] : []));
  const live = h("input", { type: "checkbox", checked: true });
  const summary = h("span", { class: "hint" });
  const body = h("div", {}, notice("Loading inferences…"));
  const more = h("button", { type: "button", class: "quiet", hidden: true }, "Older");
  root.append(
    h("div", { class: "heading" }, h("h1", {}, "Inferences"), h("label", { class: "hint" }, live, ` refresh every ${refreshMs / 1_000} s`), summary),
    formSlot,
    body,
    h("div", { class: "pager" }, more),
  );
  api("/v1/endpoints").then(
    ({ data }) =>
      fill(
        formSlot,
        filterForm(
          context,
          filters,
          data.map((endpoint) => endpoint.name),
        ),
      ),
    () => undefined,
  );

  let rows = [];
  let cursor = null;
  let stopped = false;
  let timer;
  const render = () => {
    const tokens = rows.reduce((sum, row) => sum + row.prompt_tokens + row.completion_tokens, 0);
    const cost = rows.reduce((sum, row) => sum + row.cost, 0);
    summary.textContent = `${rows.length} shown · ${formatCount(tokens)} tokens · ${formatCost(cost)}`;
    fill(
      body,
      rows.length === 0
        ? notice(cursor ? "None in the newest inferences looked at; older ones may match." : "No inferences match.")
        : table(
            columns,
            rows.map((row) => inferenceRow(filters, row)),
            { class: "grid", id: "inferences-table" },
          ),
    );
    more.hidden = cursor === null;
  };
  const load = async (older) => {
    try {
      const page = await api(`/v1/inferences${query({ ...filters, limit: 50, cursor: older ? cursor : undefined })}`);
      if (stopped) return;
      context.succeeded();
      // A refresh replaces the first page; older pages stay below it until the view changes.
      rows = older ? [...rows, ...page.data] : page.data;
      cursor = page.next_cursor;
      render();
      context.status(`updated ${formatClock()}`);
    } catch (error) {
      if (stopped || context.failed(error)) return;
      if (error instanceof ApiError && error.status === 404) fill(body, notice("Inferences need the store (store.enabled).", "bad"));
    }
  };
  const tick = async () => {
    if (live.checked && rows.length <= 50) await load(false);
    if (!stopped) timer = setTimeout(tick, refreshMs);
  };
  more.addEventListener("click", () => {
    live.checked = false;
    void load(true);
  });
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
