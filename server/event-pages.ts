import type { ReadOptions } from '../core/ports/event-store.ts';

export interface JsonPage {
  count: number;
  /** Position of the page's last event (0 when empty). */
  last: number;
  /** The events as JSON, joined by commas. */
  json: Uint8Array;
}

const BYTES_KEPT = 32 * 1024 * 1024;

/**
 * Pages of /api/events already answered. The log is append-only, so a full page (as many events as asked for)
 * never changes; a shorter one (it reached the head) stays right until the head moves. Clients paging the
 * same log, or polling its tail, get the kept JSON instead of a new read; the oldest pages go past 32 MiB.
 */
export class EventPages {
  private readonly pages = new Map<string, { page: JsonPage; head: number; full: boolean }>();
  private bytes = 0;

  get(read: ReadOptions & { limit: number; upTo: number }, load: () => JsonPage): JsonPage {
    const key = JSON.stringify([read.after, read.limit, read.streamId, read.types]);
    const kept = this.pages.get(key);
    if (kept && (kept.full || kept.head === read.upTo)) return kept.page;
    const page = load();
    if (kept) this.forget(key, kept.page);
    this.pages.set(key, { page, head: read.upTo, full: page.count === read.limit });
    this.bytes += page.json.byteLength;
    for (const [oldest, entry] of this.pages) {
      if (this.bytes <= BYTES_KEPT) break;
      this.forget(oldest, entry.page);
    }
    return page;
  }

  private forget(key: string, page: JsonPage): void {
    this.pages.delete(key);
    this.bytes -= page.json.byteLength;
  }
}
