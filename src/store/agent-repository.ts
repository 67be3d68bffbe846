import type { Agent, PrismaClient } from "../generated/prisma/client.ts";
import { jsonColumn, isUniqueViolation, readJson } from "./catalog-json.ts";
import { pageOf, type AgentFields, type AgentRecord, type Page } from "./catalog-records.ts";
import { storeUnavailable } from "./store-unavailable.ts";
import { uuidV7 } from "./uuid-v7.ts";

export type AgentWrite = { readonly kind: "ok"; readonly agent: AgentRecord } | { readonly kind: "conflict" } | { readonly kind: "not_found" };

function toRecord(row: Agent): AgentRecord {
  return {
    id: row.id,
    key: row.key,
    displayName: row.displayName,
    systemPrompt: row.systemPrompt,
    defaultModel: row.defaultModel,
    fallbackModels: readJson.strings(row.fallbackModels) ?? [],
    temperature: row.temperature,
    tools: readJson.tools(row.tools),
    metadata: readJson.object(row.metadata),
    budget: readJson.budget(row.budget),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function columns(fields: Partial<AgentFields>) {
  return {
    ...(fields.key === undefined ? {} : { key: fields.key }),
    ...(fields.displayName === undefined ? {} : { displayName: fields.displayName }),
    ...(fields.systemPrompt === undefined ? {} : { systemPrompt: fields.systemPrompt }),
    ...(fields.defaultModel === undefined ? {} : { defaultModel: fields.defaultModel }),
    ...(fields.fallbackModels === undefined ? {} : { fallbackModels: [...fields.fallbackModels] }),
    ...(fields.temperature === undefined ? {} : { temperature: fields.temperature }),
    ...(fields.tools === undefined ? {} : { tools: jsonColumn(fields.tools) }),
    ...(fields.metadata === undefined ? {} : { metadata: jsonColumn(fields.metadata) }),
    ...(fields.budget === undefined ? {} : { budget: jsonColumn(fields.budget) }),
  };
}

/**
 * The agent catalog for the HTTP API. Deleting is soft (deleted_at): sessions keep their
 * agent, and a deleted agent's key stays taken so a key in an orchestrator's config never
 * silently starts naming a different definition.
 */
export class AgentRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(fields: AgentFields): Promise<AgentWrite> {
    try {
      const row = await this.prisma.agent.create({
        data: {
          id: uuidV7(),
          key: fields.key,
          displayName: fields.displayName,
          systemPrompt: fields.systemPrompt,
          defaultModel: fields.defaultModel,
          fallbackModels: [...fields.fallbackModels],
          temperature: fields.temperature,
          tools: jsonColumn(fields.tools),
          metadata: jsonColumn(fields.metadata),
          budget: jsonColumn(fields.budget),
        },
      });
      return { kind: "ok", agent: toRecord(row) };
    } catch (error) {
      if (isUniqueViolation(error)) return { kind: "conflict" };
      throw storeUnavailable(error, "agent create");
    }
  }

  /** A live agent by id, or by key when no id matches. */
  async find(idOrKey: string): Promise<AgentRecord | undefined> {
    try {
      const rows = await this.prisma.agent.findMany({ where: { deletedAt: null, OR: [{ id: idOrKey }, { key: idOrKey }] } });
      const row = rows.find((candidate) => candidate.id === idOrKey) ?? rows[0];
      return row ? toRecord(row) : undefined;
    } catch (error) {
      throw storeUnavailable(error, "agent read");
    }
  }

  /** Any agent by id, deleted ones included (a session's agent). */
  async findAnyById(id: string): Promise<(AgentRecord & { readonly deleted: boolean }) | undefined> {
    try {
      const row = await this.prisma.agent.findUnique({ where: { id } });
      return row ? { ...toRecord(row), deleted: row.deletedAt !== null } : undefined;
    } catch (error) {
      throw storeUnavailable(error, "agent read");
    }
  }

  async update(id: string, fields: Partial<AgentFields>): Promise<AgentWrite> {
    try {
      const result = await this.prisma.agent.updateMany({ where: { id, deletedAt: null }, data: columns(fields) });
      if (result.count === 0) return { kind: "not_found" };
      const row = await this.prisma.agent.findUniqueOrThrow({ where: { id } });
      return { kind: "ok", agent: toRecord(row) };
    } catch (error) {
      if (isUniqueViolation(error)) return { kind: "conflict" };
      throw storeUnavailable(error, "agent update");
    }
  }

  async softDelete(id: string): Promise<boolean> {
    try {
      const result = await this.prisma.agent.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date() } });
      return result.count === 1;
    } catch (error) {
      throw storeUnavailable(error, "agent delete");
    }
  }

  /** Live agents ordered by id (UUIDv7: creation order), after the given id. */
  async list(options: { readonly limit: number; readonly afterId?: string | undefined }): Promise<Page<AgentRecord>> {
    try {
      const rows = await this.prisma.agent.findMany({
        where: { deletedAt: null, ...(options.afterId === undefined ? {} : { id: { gt: options.afterId } }) },
        orderBy: { id: "asc" },
        take: options.limit + 1,
      });
      return pageOf(rows.map(toRecord), options.limit);
    } catch (error) {
      throw storeUnavailable(error, "agent list");
    }
  }
}
