import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { lineageProjection } from '../core/projections/lineage.ts';
import { localWorkDir, project } from '../core/store/index.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { createChatCompletions } from './chat-completions.ts';
import { createGatewayApp } from './http.ts';
import { createRunRegistry } from './run-registry.ts';

/**
 * The gateway `sia serve` mounts at /v1: the tiny policy with a node's adapter (or base weights), every call
 * recorded, one event per call, under a run of its own so outside clients' calls are in the log too.
 */
export async function servingGateway(store: EventStore, dbFile: string, nodeId?: string): Promise<Hono> {
  const policy = createTinyPolicy();
  if (nodeId) {
    const node = project(store, lineageProjection).state.nodes[nodeId];
    if (!node) throw new NotFoundError(`no node ${nodeId} in this log`);
    if (!node.adapterId) throw new ValidationError(`node ${nodeId} runs on base weights: there is no adapter to serve`, '--node');
    await policy.useAdapter({ adapterId: node.adapterId, dir: join(localWorkDir(dbFile), 'adapters', node.adapterId) });
  }
  const runs = createRunRegistry(store, { flushEvery: 1 });
  const runId = `serve-${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  runs.open(runId);
  return createGatewayApp({ complete: createChatCompletions({ policy: () => policy, runs }), adapterId: () => policy.adapterId, defaultRunId: runId });
}
