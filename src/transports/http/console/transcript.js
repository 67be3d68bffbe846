// Transcripts: GET /v1/sessions/{id}/transcript drawn as a conversation: the agent's system
// prompt, each message in order with its reasoning, its tool calls (name, arguments, id) and
// the tool results that answer them.
import { api } from "./api.js";
import { dash, formatTime, h, notice } from "./dom.js";

function toolCall(call) {
  return h(
    "div",
    { class: "tool-call" },
    h("span", { class: "tool-label" }, "tool call"),
    h("code", { class: "tool-name" }, call.name),
    h("pre", { class: "tool-arguments" }, JSON.stringify(call.arguments ?? {}, null, 2)),
    h("span", { class: "sub mono" }, call.id),
  );
}

function message(entry) {
  const role = entry.role === "tool" ? "tool" : entry.role;
  return h(
    "article",
    { class: `message role-${role}`, "data-position": entry.position },
    h(
      "header",
      {},
      h("span", { class: "role" }, role),
      entry.role === "tool" && entry.tool_call_id ? h("span", { class: "sub mono" }, `result of ${entry.tool_call_id}`) : undefined,
      entry.name ? h("span", { class: "sub" }, entry.name) : undefined,
      entry.model ? h("span", { class: "sub" }, entry.model) : undefined,
      h("span", { class: "sub right" }, `#${entry.position} · ${formatTime(entry.created_at)}`),
    ),
    entry.reasoning_content
      ? h("details", { class: "reasoning", open: true }, h("summary", {}, "reasoning"), h("pre", {}, entry.reasoning_content))
      : undefined,
    entry.content ? h("pre", { class: "content" }, entry.content) : undefined,
    (entry.tool_calls ?? []).map(toolCall),
  );
}

function transcriptView(transcript) {
  const { session, agent, messages } = transcript;
  const fact = (label, value) => h("span", { class: "fact" }, h("span", { class: "sub" }, label), " ", value ?? dash);
  return h(
    "section",
    { class: "transcript", id: "transcript" },
    h(
      "div",
      { class: "facts-line" },
      fact("session", h("span", { class: "mono" }, session.id)),
      fact("agent", agent ? `${agent.display_name} (${agent.key})` : undefined),
      fact("loop", session.external_key),
      fact("status", session.status),
      fact("messages", String(session.message_count)),
      fact("started", formatTime(session.created_at)),
      session.parent_session_id ? fact("branched from", h("a", { href: `#/transcript/${session.parent_session_id}` }, session.parent_session_id)) : undefined,
    ),
    agent?.system_prompt
      ? h(
          "article",
          { class: "message role-system" },
          h("header", {}, h("span", { class: "role" }, "system"), h("span", { class: "sub" }, "agent prompt, sent first on every turn")),
          h("pre", { class: "content" }, agent.system_prompt),
        )
      : undefined,
    messages.length === 0 ? notice("No messages stored yet.") : messages.map(message),
  );
}

/** The plain-text export, fetched with the key and handed to the browser as a download. */
async function download(context, id) {
  try {
    const text = await api(`/v1/sessions/${encodeURIComponent(id)}/transcript?format=text`, { text: true });
    const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/plain" })), download: `session-${id}.txt` });
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    context.failed(error);
  }
}

export function mountTranscript(root, context, { rest }) {
  const id = rest.trim();
  const input = h("input", { name: "session", value: id, placeholder: "session id (from the inferences view)", spellcheck: "false", size: 40 });
  const form = h(
    "form",
    { class: "filters", id: "transcript-form" },
    h("label", {}, "Session ", input),
    h("button", { type: "submit" }, "Open"),
    id ? h("button", { type: "button", class: "quiet", onclick: () => download(context, id) }, "Download text") : undefined,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) context.go(`#/transcript/${encodeURIComponent(input.value.trim())}`);
  });
  const body = h(
    "div",
    {},
    id ? notice("Loading transcript…") : notice("Open a session's transcript by its id, or follow a session link in the inferences view."),
  );
  root.append(h("div", { class: "heading" }, h("h1", {}, "Transcript")), form, body);
  if (!id) return undefined;
  let stopped = false;
  api(`/v1/sessions/${encodeURIComponent(id)}/transcript`).then(
    (transcript) => {
      if (stopped) return;
      context.succeeded();
      body.replaceChildren(transcriptView(transcript));
    },
    (error) => {
      if (stopped || context.failed(error)) return;
      body.replaceChildren(notice(`Cannot show session ${id}: ${error.message}`, "bad"));
    },
  );
  return () => {
    stopped = true;
  };
}
