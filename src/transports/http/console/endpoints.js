// Endpoints: GET /v1/endpoints every few seconds, one row per endpoint: health and breaker,
// calls in flight and queued, what its request and token budgets have left this minute, and
// its last five minutes (p50 / p99 latency, error rate).
import { api } from "./api.js";
import { dash, fill, formatBudget, formatClock, formatCount, formatMs, formatPercent, h, notice, table } from "./dom.js";

export const refreshMs = 3_000;

const num = (title) => ({ class: "num", ...(title ? { title } : {}) });
const columns = [
  "Endpoint",
  "Health",
  "Breaker",
  "Available",
  [num(), "In flight"],
  [num(), "Queue"],
  [num("Requests left in the endpoint's bucket / its burst (requests_per_minute unless set)"), "Requests left"],
  [num("Tokens left in the endpoint's token budget / tokens_per_minute"), "Tokens left"],
  [num("Median latency, last 5 minutes, this process"), "p50"],
  [num("99th percentile latency, last 5 minutes, this process"), "p99"],
  [num("Error responses / answers, last 5 minutes, this process"), "Errors"],
  [num(), "Calls (5 min)"],
];

const badge = (kind, text) => h("span", { class: `badge ${kind}` }, text);

/** What the provider last reported in its x-ratelimit-* headers, under the endpoint's own budget. */
function providerLimits(view) {
  if (!view) return undefined;
  const part = (budget, unit) => (budget ? `${formatCount(budget.remaining)}${budget.limit ? ` / ${formatCount(budget.limit)}` : ""} ${unit}` : undefined);
  const parts = [part(view.requests, "req"), part(view.tokens, "tok")].filter(Boolean);
  return parts.length === 0 ? undefined : h("div", { class: "sub", title: "What the provider last reported (x-ratelimit-*)" }, `provider: ${parts.join(", ")}`);
}

function endpointRow(endpoint) {
  const { limits, remaining, recent } = endpoint;
  const errorKind = recent.error_rate === null ? "" : recent.error_rate >= 0.5 ? "bad" : recent.error_rate > 0 ? "warn" : "";
  return h(
    "tr",
    { "data-endpoint": endpoint.name, "data-breaker": endpoint.breaker },
    h("td", {}, h("strong", {}, endpoint.name), h("div", { class: "sub" }, `${endpoint.provider} · ${endpoint.model}`)),
    h("td", { class: "health" }, badge(endpoint.health, endpoint.health)),
    h("td", { class: "breaker" }, badge(`breaker-${endpoint.breaker}`, endpoint.breaker.replace("_", "-"))),
    h("td", { class: "available" }, endpoint.available ? "yes" : badge("warn", "cooling down")),
    h("td", { class: "num" }, limits.max_concurrent ? `${endpoint.in_flight} / ${limits.max_concurrent}` : String(endpoint.in_flight)),
    h("td", { class: "num" }, `${endpoint.queue_depth} / ${formatCount(limits.max_queue)}`),
    h(
      "td",
      { class: "num requests-left", title: limits.requests_per_minute ? `refills ${limits.requests_per_minute} a minute` : undefined },
      formatBudget(remaining.requests, limits.burst),
      providerLimits(endpoint.provider_limits),
    ),
    h("td", { class: "num tokens-left" }, formatBudget(remaining.tokens, limits.tokens_per_minute)),
    h("td", { class: "num p50" }, formatMs(recent.p50_ms)),
    h("td", { class: "num p99" }, formatMs(recent.p99_ms)),
    h("td", { class: `num error-rate ${errorKind}` }, formatPercent(recent.error_rate)),
    h("td", { class: "num" }, formatCount(recent.calls)),
  );
}

function groupsTable(groups) {
  if (groups.length === 0) return undefined;
  const rows = groups.map((group) =>
    h(
      "tr",
      {},
      h("td", {}, h("strong", {}, group.name)),
      h("td", {}, group.strategy),
      h("td", {}, group.deployments.map((deployment) => deployment.endpoint).join(", ") || dash),
    ),
  );
  return h("section", {}, h("h2", {}, "Deployment groups"), table(["Group", "Strategy", "Deployments"], rows, { class: "grid" }));
}

export function mountEndpoints(root, context) {
  const body = h("div", {}, notice("Loading endpoints…"));
  root.append(
    h(
      "div",
      { class: "heading" },
      h("h1", {}, "Endpoints"),
      h("span", { class: "hint" }, `Refreshed every ${refreshMs / 1_000} s. Latency and errors: the last 5 minutes of this process.`),
    ),
    body,
  );
  let stopped = false;
  let timer;
  const refresh = async () => {
    try {
      const { data, groups } = await api("/v1/endpoints");
      if (stopped) return;
      context.succeeded();
      fill(body, table(columns, data.map(endpointRow), { class: "grid", id: "endpoints-table" }), groupsTable(groups));
      context.status(`updated ${formatClock()}`);
    } catch (error) {
      if (stopped || context.failed(error)) return;
    }
    if (!stopped) timer = setTimeout(refresh, refreshMs);
  };
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
