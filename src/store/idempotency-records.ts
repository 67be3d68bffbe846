import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import { storeUnavailable } from "./store-unavailable.ts";

export interface IdempotencyRecord {
  readonly requestId: string;
  readonly createdAt: Date;
}

/** A LIKE pattern (escape `!`, which no sql_mode changes) matching what starts with `prefix`, byte for byte. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (character) => `!${character}`)}%`;
}

/**
 * Idempotency keys live in the `inferences` table: a keyed request's request_id is
 * derived from the key (see src/transports/http/idempotency-key.ts), so the unique
 * request_id and the claim/complete logic already answer a retry from the store. This
 * adds the two queries the HTTP door needs around that: find the rows of one key, and
 * free a key whose TTL has passed while keeping its inference for accounting.
 */
export class IdempotencyRecords {
  constructor(private readonly prisma: PrismaClient) {}

  /** The inference rows whose request_id starts with `prefix` (one key of one session). */
  async find(prefix: string): Promise<IdempotencyRecord[]> {
    try {
      return await this.prisma.$queryRaw<IdempotencyRecord[]>`SELECT CONVERT(request_id USING utf8mb4) AS requestId, created_at AS createdAt
        FROM inferences WHERE request_id LIKE ${likePrefix(prefix)} ESCAPE '!' ORDER BY created_at`;
    } catch (error) {
      throw storeUnavailable(error, "idempotency lookup");
    }
  }

  /** Renames expired rows to `expired:<inference id>`, which frees their request_id for a new request. */
  async expire(requestIds: readonly string[]): Promise<void> {
    if (requestIds.length === 0) return;
    try {
      await this.prisma.$executeRaw`UPDATE inferences SET request_id = CONCAT('expired:', id) WHERE request_id IN (${Prisma.join([...requestIds])})`;
    } catch (error) {
      throw storeUnavailable(error, "idempotency expiry");
    }
  }
}
