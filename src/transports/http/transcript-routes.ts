import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AgentRecord, MessageRecord, SessionRecord } from "../../store/catalog-records.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { conversationView, messageView, sessionView } from "./catalog-views.ts";
import { idParamsSchema } from "./conversation-routes.ts";
import { notFound } from "./http-errors.ts";

export interface SessionTranscript {
  readonly session: SessionRecord;
  readonly agent: AgentRecord | undefined;
  readonly messages: readonly MessageRecord[];
}

export function transcriptJson(transcript: SessionTranscript) {
  const { agent } = transcript;
  return {
    session: sessionView(transcript.session),
    agent: agent ? { id: agent.id, key: agent.key, display_name: agent.displayName, system_prompt: agent.systemPrompt } : null,
    messages: transcript.messages.map(messageView),
  };
}

function messageLines(message: MessageRecord): string[] {
  const lines: string[] = [];
  const label = message.role === "tool" ? `tool (${message.toolCallId ?? "?"})` : message.role;
  if (message.reasoning) lines.push(`${label} [reasoning]: ${message.reasoning}`);
  if (message.content) lines.push(`${label}: ${message.content}`);
  for (const call of message.toolCalls ?? []) lines.push(`${label} → ${call.name}(${JSON.stringify(call.arguments ?? {})}) [${call.id}]`);
  if (lines.length === 0) lines.push(`${label}:`);
  return lines;
}

/**
 * Plain text for people: a header per session, the agent's system prompt (sent first on
 * every turn, never stored as a message), then one line per message, tool call and tool
 * result, in order.
 */
export function transcriptText(transcript: SessionTranscript): string {
  const { session, agent } = transcript;
  const header = `# session ${session.id}${agent ? ` · agent ${agent.key}` : ""} · ${session.createdAt.toISOString()}`;
  const prompt = agent?.systemPrompt ? [`system (agent prompt): ${agent.systemPrompt}`] : [];
  return [header, ...prompt, ...transcript.messages.flatMap(messageLines)].join("\n") + "\n";
}

const formatQuerySchema = z.strictObject({ format: z.enum(["json", "text"]).default("json") });

function sendText(reply: FastifyReply, text: string, filename: string): FastifyReply {
  return reply.type("text/plain; charset=utf-8").header("content-disposition", `inline; filename="${filename}"`).send(text);
}

/** Transcript export of one session or a whole conversation, as JSON or plain text (`?format=text`). */
export function registerTranscriptRoutes(app: FastifyInstance, dependencies: { readonly catalog: CatalogStore }): void {
  // Types only: request parts are the schemas' outputs, as zodValidatorCompiler (http-errors.ts) hands them over.
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { catalog } = dependencies;
  const transcriptOf = async (session: SessionRecord): Promise<SessionTranscript> => {
    const [agent, messages] = await Promise.all([
      session.agentId ? catalog.agents.findAnyById(session.agentId) : undefined,
      catalog.sessions.allMessages(session.id),
    ]);
    return { session, agent, messages };
  };

  routes.get("/v1/sessions/:id/transcript", { schema: { params: idParamsSchema, querystring: formatQuerySchema } }, async (request, reply) => {
    const { id } = request.params;
    const session = await catalog.sessions.find(id);
    if (!session) throw notFound("session", id);
    const transcript = await transcriptOf(session);
    if (request.query.format === "text") return sendText(reply, transcriptText(transcript), `session-${id}.txt`);
    return transcriptJson(transcript);
  });

  routes.get("/v1/conversations/:id/transcript", { schema: { params: idParamsSchema, querystring: formatQuerySchema } }, async (request, reply) => {
    const { id } = request.params;
    const conversation = await catalog.conversations.find(id);
    if (!conversation) throw notFound("conversation", id);
    const sessions = await catalog.sessions.allOfConversation(id);
    const transcripts = await Promise.all(sessions.map(transcriptOf));
    if (request.query.format === "text") {
      const title = `# conversation ${id}${conversation.title ? ` · ${conversation.title}` : ""}\n\n`;
      return sendText(reply, title + transcripts.map(transcriptText).join("\n"), `conversation-${id}.txt`);
    }
    return { conversation: conversationView(conversation), sessions: transcripts.map(transcriptJson) };
  });
}
