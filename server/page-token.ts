import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';

/**
 * Opaque `page_token`s (MLflow's convention): where the next page starts, the log position the listing is
 * pinned to (so pages fetched while the log grows still fit together) and what was listed (a token for one
 * experiment's lineage is refused by another's).
 */
const Token = z.strictObject({ list: z.string(), at: z.number().int().nonnegative(), offset: z.number().int().nonnegative() });
export type PageCursor = z.infer<typeof Token>;

export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodePageToken(token: string, list: string): PageCursor {
  let cursor: PageCursor | null = null;
  try {
    const parsed = Token.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    if (parsed.success) cursor = parsed.data;
  } catch {
    cursor = null;
  }
  if (!cursor || cursor.list !== list) {
    throw new ValidationError('not a page token this list gave out (pass the `next_page_token` of its previous page, or none for the first)', 'page_token');
  }
  return cursor;
}

/** One page of `items` from `offset`, with the token of the next (null after the last). */
export function pageOf<T>(items: readonly T[], cursor: PageCursor, limit: number): { page: T[]; nextPageToken: string | null } {
  const end = cursor.offset + limit;
  return { page: items.slice(cursor.offset, end), nextPageToken: end < items.length ? encodePageToken({ ...cursor, offset: end }) : null };
}
