/**
 * A scaffold.proposed event as the loop writes it: the files stored as blobs with the loop's own storeScaffold (so
 * the scaffold id is the loop's), the diff against the parent's files, meta for a seed and feedback for an edit.
 * Shared by the fixtures that write whole lineages (lineage-fixture.ts, ui-writer.ts).
 */
import { diffFiles } from '../../core/diff.ts';
import type { EventStore, NewEvent } from '../../core/ports/event-store.ts';
import { storeScaffold } from '../../loop/scaffolds.ts';

export interface ProposalParent {
  nodeId: string;
  scaffoldId: string;
  files: Record<string, string>;
}

export interface Proposal {
  experimentId: string;
  nodeId: string;
  parent: ProposalParent | null;
  files: Record<string, string>;
  adapterId: string | null;
  rationale: string;
}

export function scaffoldProposal(store: EventStore, proposal: Proposal): { event: NewEvent; scaffoldId: string } {
  const { experimentId, nodeId, parent, files, adapterId, rationale } = proposal;
  const stored = storeScaffold(store, { entry: 'solve.mjs', files });
  const event: NewEvent = {
    id: `${nodeId}-proposed`,
    type: 'scaffold.proposed',
    data: {
      experimentId,
      nodeId,
      parentNodeId: parent?.nodeId ?? null,
      scaffoldId: stored.scaffoldId,
      parentScaffoldId: parent?.scaffoldId ?? null,
      adapterId,
      files: stored.files,
      entry: 'solve.mjs',
      author: parent ? 'feedback' : 'meta',
      rationale,
      diff: parent ? diffFiles(parent.files, files) : '',
      promptHash: null,
      operator: parent ? 'edit' : null,
    },
  };
  return { event, scaffoldId: stored.scaffoldId };
}
