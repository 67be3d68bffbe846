import type { Message, PrismaClient, Session } from "../generated/prisma/client.ts";
import { jsonColumn, readJson } from "./catalog-json.ts";
import { pageOf, type MessageRecord, type Page, type SessionRecord, type TimeCursor } from "./catalog-records.ts";
import { afterTime } from "./conversation-repository.ts";
import { storeUnavailable } from "./store-unavailable.ts";
import { uuidV7 } from "./uuid-v7.ts";

export interface SessionFields {
  readonly agentId: string;
  readonly conversationId: string | null;
  readonly modelOverride: string | null;
  readonly temperatureOverride: number | null;
  readonly allowedTools: readonly string[] | null;
  readonly metadata: Record<string, unknown> | null;
}

function toSession(row: Session): SessionRecord {
  return {
    id: row.id,
    agentId: row.agentId,
    conversationId: row.conversationId,
    externalKey: row.externalKey,
    parentSessionId: row.parentSessionId,
    modelOverride: row.modelOverride,
    temperatureOverride: row.temperatureOverride,
    allowedTools: readJson.strings(row.allowedTools),
    status: row.status,
    messageCount: row.messageCount,
    metadata: readJson.object(row.metadata),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toMessage(row: Message): MessageRecord {
  return {
    id: row.id,
    sessionId: row.sessionId,
    position: row.position,
    role: row.role,
    content: row.content,
    name: row.name,
    toolCalls: readJson.toolCalls(row.toolCalls),
    toolCallId: row.toolCallId,
    reasoning: row.reasoning,
    model: row.model,
    metadata: readJson.object(row.metadata),
    createdAt: row.createdAt,
  };
}

/**
 * Sessions and their messages for the HTTP API. Messages are written by the inference
 * store when a turn completes (src/store/complete-batch.ts); this side only creates empty
 * sessions and reads.
 */
export class SessionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(fields: SessionFields): Promise<SessionRecord> {
    try {
      const row = await this.prisma.session.create({
        data: {
          id: uuidV7(),
          agentId: fields.agentId,
          conversationId: fields.conversationId,
          modelOverride: fields.modelOverride,
          temperatureOverride: fields.temperatureOverride,
          allowedTools: jsonColumn(fields.allowedTools),
          metadata: jsonColumn(fields.metadata),
        },
      });
      return toSession(row);
    } catch (error) {
      throw storeUnavailable(error, "session create");
    }
  }

  async find(id: string): Promise<SessionRecord | undefined> {
    try {
      const row = await this.prisma.session.findUnique({ where: { id } });
      return row ? toSession(row) : undefined;
    } catch (error) {
      throw storeUnavailable(error, "session read");
    }
  }

  async listByConversation(conversationId: string, options: { readonly limit: number; readonly after?: TimeCursor | undefined }): Promise<Page<SessionRecord>> {
    try {
      const rows = await this.prisma.session.findMany({
        where: { conversationId, ...afterTime(options.after) },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: options.limit + 1,
      });
      return pageOf(rows.map(toSession), options.limit);
    } catch (error) {
      throw storeUnavailable(error, "session list");
    }
  }

  /** Every session of a conversation, oldest first (transcript export). */
  async allOfConversation(conversationId: string): Promise<SessionRecord[]> {
    try {
      const rows = await this.prisma.session.findMany({ where: { conversationId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      return rows.map(toSession);
    } catch (error) {
      throw storeUnavailable(error, "session list");
    }
  }

  async listMessages(sessionId: string, options: { readonly limit: number; readonly afterPosition?: number | undefined }): Promise<Page<MessageRecord>> {
    try {
      const rows = await this.prisma.message.findMany({
        where: { sessionId, ...(options.afterPosition === undefined ? {} : { position: { gt: options.afterPosition } }) },
        orderBy: { position: "asc" },
        take: options.limit + 1,
      });
      return pageOf(rows.map(toMessage), options.limit);
    } catch (error) {
      throw storeUnavailable(error, "message list");
    }
  }

  /** A session's whole history by position: what the next turn sends to the model. */
  async allMessages(sessionId: string): Promise<MessageRecord[]> {
    try {
      const rows = await this.prisma.message.findMany({ where: { sessionId }, orderBy: { position: "asc" } });
      return rows.map(toMessage);
    } catch (error) {
      throw storeUnavailable(error, "message list");
    }
  }
}
