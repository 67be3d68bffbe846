// Agents: the catalog through /v1/agents: list, view (with spend against its budget), create,
// edit (PATCH of what the form holds) and delete. The API checks every field; its answer to a
// bad one (400 naming the field, 409 for a key taken) is shown on the form.
import { api, ApiError, query } from "./api.js";
import { dash, fill, formatTime, h, notice, table } from "./dom.js";

const columns = ["Key", "Display name", "Default model", "Fallbacks", "Temperature", "Tools", "Budget", "Updated", ""];

/** The form's fields, in order: [name, label, kind]. JSON fields take JSON text (empty: none). */
const fields = [
  ["key", "Key", "text"],
  ["display_name", "Display name", "text"],
  ["default_model", "Default model", "model"],
  ["fallback_models", "Fallback models (comma separated)", "text"],
  ["temperature", "Temperature (0–2)", "number"],
  ["system_prompt", "System prompt", "textarea"],
  ["tools", "Tools (JSON array)", "json"],
  ["metadata", "Metadata (JSON object)", "json"],
  ["budget", 'Budget (JSON: {"tokens": {"per_minute": …}, "cost": {…}})', "json"],
];

function formValue(agent, name, kind) {
  const value = agent?.[name];
  if (value === null || value === undefined) return "";
  if (name === "fallback_models") return value.join(", ");
  return kind === "json" ? JSON.stringify(value, null, 2) : String(value);
}

/** The form's content as a request body; throws with the field's name when a JSON field does not parse. */
function bodyOf(form, agent) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) ?? "").trim();
  const nullable = (name) => (text(name) === "" ? null : text(name));
  const json = (name) => {
    if (text(name) === "") return null;
    try {
      return JSON.parse(text(name));
    } catch (error) {
      throw new ApiError(400, "E_REQUEST_INVALID", `${name}: not valid JSON (${error.message})`);
    }
  };
  const body = {
    display_name: text("display_name") || undefined,
    default_model: nullable("default_model"),
    fallback_models:
      text("fallback_models") === ""
        ? []
        : text("fallback_models")
            .split(",")
            .map((name) => name.trim())
            .filter(Boolean),
    temperature: text("temperature") === "" ? null : Number(text("temperature")),
    system_prompt: nullable("system_prompt"),
    tools: json("tools"),
    metadata: json("metadata"),
    budget: json("budget"),
  };
  if (!agent || text("key") !== agent.key) body.key = text("key");
  return body;
}

function agentForm(context, agent, modelNames, onDone) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const input = ([name, label, kind]) => {
    const value = formValue(agent, name, kind);
    const control =
      kind === "textarea" || kind === "json"
        ? h("textarea", { name, rows: kind === "json" ? 3 : 4, spellcheck: kind === "json" ? "false" : "true" }, value)
        : h("input", {
            name,
            value,
            type: kind === "number" ? "number" : "text",
            step: kind === "number" ? "0.1" : undefined,
            list: kind === "model" ? "model-names" : undefined,
            required: name === "key",
            spellcheck: "false",
          });
    return h("label", { class: kind === "textarea" || kind === "json" ? "wide" : "" }, label, control);
  };
  const form = h(
    "form",
    { class: "agent-form", id: "agent-form" },
    h("h2", {}, agent ? `Edit ${agent.key}` : "New agent"),
    h(
      "datalist",
      { id: "model-names" },
      modelNames.map((name) => h("option", { value: name })),
    ),
    h("div", { class: "form-grid" }, fields.map(input)),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, agent ? "Save" : "Create"),
      h("button", { type: "button", class: "quiet", onclick: () => onDone(undefined) }, "Cancel"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = bodyOf(form, agent);
      const saved = agent
        ? await api(`/v1/agents/${encodeURIComponent(agent.id)}`, { method: "PATCH", body })
        : await api("/v1/agents", { method: "POST", body });
      onDone(saved);
    } catch (failure) {
      if (failure.status === 401) return void context.failed(failure);
      const issues = (failure.details?.issues ?? []).map((issue) => `${issue.field}: ${issue.message}`);
      error.hidden = false;
      error.textContent = `${failure.code}: ${failure.message}${issues.length > 1 ? ` (${issues.join("; ")})` : ""}`;
    }
  });
  return form;
}

function detail(agent) {
  const row = (label, value) => h("tr", {}, h("th", {}, label), h("td", {}, value ?? dash));
  const json = (value) => (value === null || value === undefined ? dash : h("pre", {}, JSON.stringify(value, null, 2)));
  const spend = agent.spend
    ? Object.entries(agent.spend).flatMap(([unit, windows]) =>
        Object.entries(windows).map(([window, { limit, spent }]) => `${unit} ${window}: ${spent} of ${limit}`),
      )
    : [];
  return h(
    "section",
    { class: "agent-detail", id: "agent-detail" },
    h("h2", {}, agent.display_name, " ", h("span", { class: "sub mono" }, agent.key)),
    h(
      "table",
      { class: "facts" },
      row("Id", h("span", { class: "mono" }, agent.id)),
      row("Default model", agent.default_model),
      row("Fallback models", agent.fallback_models.join(", ") || dash),
      row("Unsupported models", agent.unsupported_models.length > 0 ? h("span", { class: "badge bad" }, agent.unsupported_models.join(", ")) : "none"),
      row("Temperature", agent.temperature),
      row("System prompt", agent.system_prompt ? h("pre", {}, agent.system_prompt) : dash),
      row("Tools", json(agent.tools)),
      row("Metadata", json(agent.metadata)),
      row("Budget", json(agent.budget)),
      row("Spend", spend.length > 0 ? spend.join("; ") : dash),
      row("Created", formatTime(agent.created_at)),
      row("Updated", formatTime(agent.updated_at)),
    ),
  );
}

export function mountAgents(root, context) {
  const list = h("div", {}, notice("Loading agents…"));
  const side = h("div", { class: "side" });
  const more = h("button", { type: "button", class: "quiet", hidden: true }, "More");
  const create = h("button", { type: "button", id: "new-agent" }, "New agent");
  root.append(
    h("div", { class: "heading" }, h("h1", {}, "Agents"), create),
    h("div", { class: "split" }, h("div", {}, list, h("div", { class: "pager" }, more)), side),
  );
  let agents = [];
  let cursor = null;
  let modelNames = [];
  api("/v1/models").then(
    ({ data }) => (modelNames = data.map((model) => model.id)),
    () => undefined,
  );

  const open = (agent) =>
    fill(
      side,
      agentForm(context, agent, modelNames, (saved) => done(saved)),
    );
  const done = async (saved) => {
    fill(side);
    await reload();
    if (saved) await show(saved.id);
  };
  const show = async (id) => {
    try {
      const agent = await api(`/v1/agents/${encodeURIComponent(id)}`);
      fill(
        side,
        detail(agent),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: () => open(agent) }, "Edit"),
          h("button", { type: "button", class: "danger", onclick: () => remove(agent) }, "Delete"),
        ),
      );
    } catch (error) {
      context.failed(error);
    }
  };
  const remove = async (agent) => {
    if (!confirm(`Delete agent "${agent.key}"? Its key stays taken.`)) return;
    try {
      await api(`/v1/agents/${encodeURIComponent(agent.id)}`, { method: "DELETE" });
      await done(undefined);
    } catch (error) {
      context.failed(error);
    }
  };
  const agentRow = (agent) =>
    h(
      "tr",
      { "data-agent": agent.key },
      h("td", { class: "nowrap" }, h("a", { href: "#/agents", onclick: (event) => (event.preventDefault(), show(agent.id)) }, h("strong", {}, agent.key))),
      h("td", {}, agent.display_name),
      h(
        "td",
        {},
        agent.default_model ?? dash,
        agent.unsupported_models.length > 0 ? h("span", { class: "badge bad", title: "models the registry cannot resolve" }, " unknown") : undefined,
      ),
      h("td", {}, agent.fallback_models.join(", ") || dash),
      h("td", { class: "num" }, agent.temperature ?? dash),
      h("td", { class: "num" }, agent.tools ? String(agent.tools.length) : dash),
      h("td", {}, agent.budget ? "yes" : dash),
      h("td", { class: "nowrap" }, formatTime(agent.updated_at)),
      h(
        "td",
        { class: "nowrap" },
        h("button", { type: "button", class: "quiet small", onclick: () => open(agent) }, "Edit"),
        h("button", { type: "button", class: "quiet small danger", onclick: () => remove(agent) }, "Delete"),
      ),
    );
  const render = () => {
    fill(list, agents.length === 0 ? notice("No agents yet.") : table(columns, agents.map(agentRow), { class: "grid", id: "agents-table" }));
    more.hidden = cursor === null;
  };
  const reload = async (next) => {
    try {
      const page = await api(`/v1/agents${query({ limit: 100, cursor: next })}`);
      context.succeeded();
      agents = next ? [...agents, ...page.data] : page.data;
      cursor = page.next_cursor;
      render();
    } catch (error) {
      if (context.failed(error)) return;
      if (error instanceof ApiError && error.status === 404) fill(list, notice("The agent catalog needs the store (store.enabled).", "bad"));
    }
  };
  create.addEventListener("click", () => open(undefined));
  more.addEventListener("click", () => reload(cursor));
  void reload();
  return () => {};
}
