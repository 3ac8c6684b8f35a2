import { z } from 'zod';
import type { EventData } from '../../core/events/index.ts';
import { findExperiment } from '../lineage-view.ts';
import type { LineageReader } from '../read-model.ts';
import { type ApiRoute, apiRoute } from '../route-spec.ts';
import { AuditBody, EmptyQuery, IdParams } from '../schemas.ts';

export const AuditStatusBody = z.object({ experimentId: z.string(), latest: AuditBody.nullable() });

/**
 * The latest audit or null: the UI asks on every experiment page, and "not audited yet" is an answer, not a
 * missing resource (GET /api/experiments/{id}/audit says 404, which browsers log as an error).
 */
export function auditStatusRoutes(reader: LineageReader): ApiRoute[] {
  return [
    apiRoute(
      {
        path: '/api/experiments/{id}/audit-status',
        summary: 'The latest audit.performed result for the experiment, or null when it has not been audited',
        params: IdParams,
        query: EmptyQuery,
        response: AuditStatusBody,
        notFound: 'no such experiment',
      },
      (c, { params }) => {
        findExperiment(reader.current(), params.id);
        let latest: { position: number; recordedAt: string; data: EventData<'audit.performed'> } | null = null;
        for (const event of reader.store.iterate({ types: ['audit.performed'] })) {
          if (event.type === 'audit.performed' && event.data.experimentId === params.id) latest = event;
        }
        return c.json({
          experimentId: params.id,
          latest: latest && { position: latest.position, experimentId: params.id, audit: latest.data, recordedAt: latest.recordedAt },
        });
      },
    ),
  ];
}
