import { z } from 'zod';
import type { RouteSpec } from './route-spec.ts';
import { ErrorBody } from './schemas.ts';

const toSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function parameters(spec: RouteSpec) {
  const from = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!(schema instanceof z.ZodObject)) return [];
    const json = toSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, property]) => ({
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      schema: property,
    }));
  };
  const headers = (spec.headers ?? []).map((header) => ({
    name: header.name,
    in: 'header',
    required: false,
    description: header.description,
    schema: { type: 'string' },
  }));
  return [...from(spec.params, 'path'), ...from(spec.query, 'query'), ...headers];
}

/** OpenAPI 3.1 (JSON Schema 2020-12) for the routes, generated from the very zod types that validate them. */
export function openApiDocument(specs: RouteSpec[], extraPaths: Record<string, unknown> = {}) {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  const paths: Record<string, unknown> = {};
  for (const spec of specs) {
    paths[spec.path] = {
      get: {
        summary: spec.summary,
        parameters: parameters(spec),
        responses: {
          200: { description: 'OK', content: { [spec.contentType ?? 'application/json']: { schema: toSchema(spec.response, 'output') } } },
          400: error('a path parameter, query parameter or header is invalid; `field` names it'),
          401: error('the server has a token and the request did not carry it'),
          ...(spec.notFound ? { 404: error(spec.notFound) } : {}),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'sia lineage API',
      version: '1',
      description: 'Read-only HTTP view of the sia event log. Every route is GET; nothing here appends to the log.',
    },
    paths: { ...paths, ...extraPaths },
    components: {
      schemas: { Error: toSchema(ErrorBody, 'output') },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'required when the server binds to a non-loopback host' } },
    },
    security: [{}, { bearer: [] }],
  };
}
