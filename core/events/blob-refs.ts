import type { SiaEvent } from './index.ts';

/**
 * The blobs an event refers to by sha256: what `sia verify` checks exist and match, and what replay and audit
 * need. One place, next to the schemas: an event type that stores bytes as a blob lists its fields here.
 */
export function blobReferences(event: SiaEvent): string[] {
  switch (event.type) {
    case 'scaffold.proposed':
      return [...Object.values(event.data.files), ...(event.data.promptHash ? [event.data.promptHash] : [])];
    case 'feedback.decided':
      return event.data.promptHash ? [event.data.promptHash] : [];
    case 'training.submitted':
      return [event.data.batchSha256];
    case 'run.step_recorded': {
      const { step } = event.data;
      if (step.kind !== 'llm_call') return [];
      return [step.request.messages, step.request.guidedChoice].flatMap((part) => (part && 'blob' in part ? [part.blob] : []));
    }
    default:
      return [];
  }
}
