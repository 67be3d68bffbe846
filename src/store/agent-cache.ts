import type { AgentSettings } from "../core/governance.ts";

interface Entry {
  readonly value: AgentSettings | null;
  readonly expiresAt: number;
}

/**
 * Agents change rarely and are read on every request that names one: keep them (and the
 * names that are not agents) for a short TTL. Changes made through this process's API
 * invalidate at once; other replicas see them within the TTL.
 */
export class AgentCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly load: (lookups: readonly string[]) => Promise<AgentSettings[]>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Agents by key or id; names that match no agent are absent from the result. */
  async get(lookups: readonly string[]): Promise<Map<string, AgentSettings>> {
    const found = new Map<string, AgentSettings>();
    const misses: string[] = [];
    const time = this.now();
    for (const lookup of new Set(lookups)) {
      const entry = this.entries.get(lookup);
      if (entry && entry.expiresAt > time) {
        if (entry.value) found.set(lookup, entry.value);
      } else misses.push(lookup);
    }
    if (misses.length === 0) return found;
    const loaded = await this.load(misses);
    const expiresAt = this.now() + this.ttlMs;
    for (const miss of misses) {
      const agent = loaded.find((candidate) => candidate.key === miss || candidate.id === miss) ?? null;
      this.entries.set(miss, { value: agent, expiresAt });
      if (agent) found.set(miss, agent);
    }
    return found;
  }

  invalidate(): void {
    this.entries.clear();
  }
}
