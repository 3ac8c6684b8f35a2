import type { Context } from 'hono';
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';

/** One GET route of the API: the same zod types validate its request and describe it in /api/openapi.json. */
export interface RouteSpec<Params extends z.ZodType = z.ZodType, Query extends z.ZodType = z.ZodType> {
  /** OpenAPI style: /api/experiments/{id}. */
  path: string;
  summary: string;
  params?: Params;
  query: Query;
  response: z.ZodType;
  /** `application/json` unless said otherwise (the SSE stream). */
  contentType?: string;
  /** Request headers the route reads (documented, not validated by zod). */
  headers?: { name: string; description: string }[];
  notFound?: string;
}

export interface ApiRoute {
  spec: RouteSpec;
  handle(c: Context): Response | Promise<Response>;
}

/** Binds a handler to its spec: the handler receives the request already parsed by the spec's own types. */
export function apiRoute<Params extends z.ZodType, Query extends z.ZodType>(
  spec: RouteSpec<Params, Query>,
  handler: (c: Context, request: { params: z.output<Params>; query: z.output<Query> }) => Response | Promise<Response>,
): ApiRoute {
  return { spec, handle: (c) => handler(c, parseRequest(c, spec)) };
}

/** /api/experiments/{id} → /api/experiments/:id */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** Parses the path parameters and the query string; the first problem becomes a ValidationError naming its field. */
export function parseRequest<Params extends z.ZodType, Query extends z.ZodType>(
  c: Context,
  spec: RouteSpec<Params, Query>,
): { params: z.output<Params>; query: z.output<Query> } {
  const params = spec.params ? parsePart(spec.params, c.req.param(), 'path') : ({} as z.output<Params>);
  const query = parsePart(spec.query, c.req.query(), 'query');
  return { params, query };
}

function parsePart<Schema extends z.ZodType>(schema: Schema, input: unknown, where: 'path' | 'query'): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    throw new ValidationError(`unknown ${where} parameter (accepted: ${acceptedKeys(schema)})`, issue.keys[0]);
  }
  throw new ValidationError(issue.message, issue.path.length ? issue.path.join('.') : where);
}

function acceptedKeys(schema: z.ZodType): string {
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  return keys.length ? keys.join(', ') : 'none';
}
