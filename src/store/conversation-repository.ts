import type { Conversation, PrismaClient } from "../generated/prisma/client.ts";
import { jsonColumn, readJson } from "./catalog-json.ts";
import { pageOf, type ConversationRecord, type Page, type TimeCursor } from "./catalog-records.ts";
import { storeUnavailable } from "./store-unavailable.ts";
import { uuidV7 } from "./uuid-v7.ts";

function toRecord(row: Conversation): ConversationRecord {
  return {
    id: row.id,
    agentId: row.agentId,
    title: row.title,
    metadata: readJson.object(row.metadata),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Rows after a (created_at, id) position: conversations made by NATS requests carry caller ids, so id alone does not order them. */
export function afterTime(cursor: TimeCursor | undefined) {
  if (!cursor) return {};
  return { OR: [{ createdAt: { gt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { gt: cursor.id } }] };
}

export class ConversationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(fields: {
    readonly title: string | null;
    readonly agentId: string | null;
    readonly metadata: Record<string, unknown> | null;
  }): Promise<ConversationRecord> {
    try {
      const row = await this.prisma.conversation.create({
        data: { id: uuidV7(), title: fields.title, agentId: fields.agentId, metadata: jsonColumn(fields.metadata) },
      });
      return toRecord(row);
    } catch (error) {
      throw storeUnavailable(error, "conversation create");
    }
  }

  async find(id: string): Promise<ConversationRecord | undefined> {
    try {
      const row = await this.prisma.conversation.findUnique({ where: { id } });
      return row ? toRecord(row) : undefined;
    } catch (error) {
      throw storeUnavailable(error, "conversation read");
    }
  }

  async list(options: { readonly limit: number; readonly after?: TimeCursor | undefined }): Promise<Page<ConversationRecord>> {
    try {
      const rows = await this.prisma.conversation.findMany({
        where: afterTime(options.after),
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: options.limit + 1,
      });
      return pageOf(rows.map(toRecord), options.limit);
    } catch (error) {
      throw storeUnavailable(error, "conversation list");
    }
  }
}
