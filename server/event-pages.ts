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
 * same log, or polling its tail, get the kept JSON instead of a new read; the oldest pages go past 32 MiB
 * (answers counted).
 */
export class EventPages {
  private readonly pages = new Map<string, { page: JsonPage; head: number; full: boolean; answer?: { head: number; body: Buffer<ArrayBuffer> } }>();
  private bytes = 0;

  /**
   * The whole answer for a page read at head `read.upTo`: `compose` wraps the page's JSON (with the head and
   * whether more follows) and runs again only when the head moved, so a page asked again of an unchanged log is
   * sent as the same bytes, not copied again (a 1,000-event page is ~460 KiB).
   */
  answer(read: ReadOptions & { limit: number; upTo: number }, load: () => JsonPage, compose: (page: JsonPage) => Buffer<ArrayBuffer>): Buffer<ArrayBuffer> {
    const key = JSON.stringify([read.after, read.limit, read.streamId, read.types]);
    let kept = this.pages.get(key);
    if (!kept || !(kept.full || kept.head === read.upTo)) {
      const page = load();
      if (kept) this.forget(key, kept);
      kept = { page, head: read.upTo, full: page.count === read.limit };
      this.pages.set(key, kept);
      this.bytes += page.json.byteLength;
    }
    if (kept.answer?.head !== read.upTo) {
      if (kept.answer) this.bytes -= kept.answer.body.byteLength;
      kept.answer = { head: read.upTo, body: compose(kept.page) };
      this.bytes += kept.answer.body.byteLength;
      for (const [oldest, entry] of this.pages) {
        if (this.bytes <= BYTES_KEPT) break;
        this.forget(oldest, entry);
      }
    }
    return kept.answer.body;
  }

  private forget(key: string, entry: { page: JsonPage; answer?: { body: Uint8Array } }): void {
    this.pages.delete(key);
    this.bytes -= entry.page.json.byteLength + (entry.answer?.body.byteLength ?? 0);
  }
}
