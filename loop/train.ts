import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IllegalStateError, IntegrityError, ValidationError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import type { LoopState } from '../core/loop/state.ts';
import type { TrainerStatus, TrainJob } from '../core/ports/trainer.ts';
import { completeLossSpec } from '../core/rl/loss-spec.ts';
import { encodeBatch, parseTrainJob } from '../plugins/trainers/job-schema.ts';
import { trainingProfile } from '../plugins/trainers/profiles.ts';
import { storeAdapterBlobs } from './adapter-blobs.ts';
import { budgetExceeded } from './budget.ts';
import type { LoopContext } from './context.ts';
import { adapterDir, adapterUri, evaluateNode } from './evaluate.ts';
import { type ExperimentLog, experimentStream } from './experiment-log.ts';
import { hyperparamBase, resolveHyperparams } from './hyperparams.ts';
import { nodeRolloutRuns, ROLLOUT_TEMPERATURE, rolloutGroups, rolloutSeed } from './rollouts.ts';

const POLL_MS = 200;
const adapterIdOf = (jobId: string) => `adapter-${jobId.slice(4)}`;

/**
 * The weights lever: sample the current node on train (groups of `groupSize`), let the chosen algorithm turn
 * the groups into rows, train an adapter, and checkpoint it as a new node (same scaffold, new adapter).
 * After a kill it continues: rollout runs already recorded are kept (only the missing samples run), and a job
 * already submitted is polled again, or submitted again from its recorded spec and batch when the trainer lost it.
 */
export async function trainStep(
  context: LoopContext,
  log: ExperimentLog,
  step: { nodeId: string; algorithm: string; iteration: number; resumeJobId: string | null },
) {
  const experimentId = log.state.experimentId as string;
  const parent = log.state.nodes[step.nodeId];
  const submitted = step.resumeJobId ? await resubmitIfLost(context, log, step.resumeJobId) : await collectAndSubmit(context, log, step);
  if (!submitted) return;
  const { jobId, handle } = submitted;
  const status = await pollUntilDone(context, log, jobId, handle);
  if (status.state === 'failed') {
    log.execute({ type: 'FailTraining', data: { jobId, error: status.error } });
    context.onProgress(`  training ${jobId} failed: ${status.error}`);
    return;
  }
  const newAdapterId = status.manifest.adapter_id || adapterIdOf(jobId);
  const localDir = existsSync(join(status.adapterDir, 'manifest.json'));
  // The event pins every file, manifest.json included, byte for byte (a remote trainer reports its hash).
  const files = { ...status.manifest.files, 'manifest.json': status.manifestSha256 ?? sha256Hex(readFileSync(join(status.adapterDir, 'manifest.json'))) };
  if (localDir) storeAdapterBlobs(context.store, status.adapterDir, files);
  log.execute({
    type: 'CompleteTraining',
    completed: { jobId, adapterId: newAdapterId, metrics: status.metrics },
    checkpoint: {
      experimentId,
      adapterId: newAdapterId,
      parentAdapterId: parent.adapterId,
      nodeId: context.newId('node'),
      parentNodeId: parent.id,
      scaffoldId: parent.scaffoldId,
      baseModel: status.manifest.base_model,
      algorithm: step.algorithm,
      hyperparams: checkpointHyperparams(context, log.state, jobId),
      files,
      uri: adapterUri(context, newAdapterId),
      jobId,
    },
  });
}

/** Runs the rollout samples the log does not hold yet, plans the rows and submits the job; null when nothing trains. */
async function collectAndSubmit(
  context: LoopContext,
  log: ExperimentLog,
  step: { nodeId: string; algorithm: string; iteration: number },
): Promise<{ jobId: string; handle: string } | null> {
  const experimentId = log.state.experimentId as string;
  const parent = log.state.nodes[step.nodeId];
  const seed = log.state.seed;
  // The probe the decision's statistics came from is what trains; only missing samples run here.
  for (let sample = nodeRolloutRuns(log.state, parent.id, context.options.groupSize).length; sample < context.options.groupSize; sample++) {
    // Checked before each sample: a budget that runs out mid-collection stops here and the loop cancels the decision.
    if (budgetExceeded(context, log.state)) return null;
    await evaluateNode(context, experimentId, parent, 'train', {
      purpose: 'rollout',
      temperature: ROLLOUT_TEMPERATURE,
      seed: rolloutSeed(seed, step.iteration, sample),
      log,
    });
  }
  const groups = rolloutGroups(context.store, nodeRolloutRuns(log.state, parent.id, context.options.groupSize));
  const algorithm = context.algorithms.find((candidate) => candidate.id === step.algorithm);
  if (!algorithm)
    throw new ValidationError(`the decision names algorithm "${step.algorithm}", which this session has not loaded`, 'algorithm', {
      hint: 'pass its file with --algorithm PATH (resume takes the recorded paths)',
    });
  // Recorded with the decision (validated there); a log from before that gets the session's settings.
  const hyperparams = log.state.pendingWeights?.hyperparams ?? resolveHyperparams(algorithm, undefined, hyperparamBase(context));
  const plan = algorithm.plan(groups, hyperparams.options);
  const jobId = context.newId('job');
  // The batch once: as a blob in the log and as the file the trainer reads, under one hash.
  const batch = encodeBatch(plan.rows);
  const batchSha256 = context.store.putBlob(batch);
  const job = buildJob(
    context,
    log.state,
    jobId,
    parent.adapterId,
    plan.loss,
    { text: batch, sha256: batchSha256, rows: plan.rows.length },
    hyperparams.training,
  );
  // An algorithm can keep no row (every group constant for bon-bc or GRPO): the job is recorded and fails on its
  // own terms, so the decision is spent and the next one starts from the same node instead of the loop crashing.
  const handle = plan.rows.length > 0 ? (await context.stack.trainer.submit(job, plan.rows)).handle : null;
  log.execute({
    type: 'SubmitTraining',
    data: {
      experimentId,
      jobId,
      trainer: context.stack.names.trainer,
      algorithm: algorithm.id,
      nodeId: parent.id,
      job: job as unknown as Record<string, unknown>,
      batchSha256,
      handle,
      hyperparams,
    },
  });
  if (!handle) {
    const error = `${algorithm.id} kept no training row from ${groups.length} rollout groups (no group has a reward to learn from)`;
    log.execute({ type: 'FailTraining', data: { jobId, error } });
    context.onProgress(`  training ${jobId} failed: ${error}`);
    return null;
  }
  context.onProgress(`  training ${algorithm.id} on ${groups.length} groups (${plan.rows.length} rows) as ${jobId}`);
  return { jobId, handle };
}

/**
 * A job the log says was submitted: polled under its recorded handle; a trainer that lost it (an in-process job
 * killed with sia) gets the recorded spec and batch again, which submitting twice must allow.
 */
async function resubmitIfLost(context: LoopContext, log: ExperimentLog, jobId: string): Promise<{ jobId: string; handle: string }> {
  const submitted = context.store
    .read({ streamId: experimentStream(log.state.experimentId as string), types: ['training.submitted'] })
    .find((event) => event.type === 'training.submitted' && event.data.jobId === jobId);
  if (submitted?.type !== 'training.submitted') throw new IllegalStateError(`job ${jobId} has no training.submitted on its experiment stream`);
  const recordedHandle = submitted.data.handle as string;
  if ((await context.stack.trainer.poll(recordedHandle)).state !== 'failed') return { jobId, handle: recordedHandle };
  const batch = context.store.getBlobText(submitted.data.batchSha256);
  if (batch === null) throw new IntegrityError(`the batch of job ${jobId} (sha256 ${submitted.data.batchSha256}) is not in the log`);
  const job = parseTrainJob(submitted.data.job);
  mkdirSync(dirname(job.data.uri), { recursive: true });
  writeFileSync(job.data.uri, batch);
  const rows = batch.trim()
    ? batch
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
  const { handle } = await context.stack.trainer.submit(job, rows);
  context.onProgress(`  training ${jobId} resubmitted from the log`);
  return { jobId, handle };
}

async function pollUntilDone(context: LoopContext, log: ExperimentLog, jobId: string, handle: string): Promise<Exclude<TrainerStatus, { state: 'running' }>> {
  let lastStep = -1;
  for (;;) {
    const status = await context.stack.trainer.poll(handle);
    if (status.state !== 'running') return status;
    if (status.step !== lastStep) {
      lastStep = status.step;
      log.execute({ type: 'RecordTrainingProgress', data: { jobId, step: status.step, totalSteps: status.totalSteps, metrics: status.metrics } });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function buildJob(
  context: LoopContext,
  state: LoopState,
  jobId: string,
  parentAdapter: string | null,
  loss: Partial<TrainJob['loss']> & { kind: TrainJob['loss']['kind'] },
  batch: { text: string; sha256: string; rows: number },
  training: { lr: number; epochs: number; minibatches: number },
): TrainJob {
  mkdirSync(context.adaptersDir, { recursive: true });
  const profile = trainingProfile(context.stack.names.trainer, context.stack.baseModel, context.options.training);
  const batchFile = join(context.adaptersDir, `${jobId}.batch.jsonl`);
  writeFileSync(batchFile, batch.text);
  return {
    schema: 'sia.train-job/v1',
    job_id: jobId,
    base_model: context.stack.baseModel,
    base_revision: null,
    adapter_in: parentAdapter ? adapterDir(context, parentAdapter) : null,
    adapter_out: adapterDir(context, adapterIdOf(jobId)),
    lora: profile.lora,
    loss: completeLossSpec(loss),
    optim: { ...profile.optim, lr: training.lr, epochs: training.epochs, minibatches: training.minibatches, seed: state.seed },
    data: { uri: batchFile, sha256: batch.sha256, n_rows: batch.rows },
  };
}

/** What the checkpoint records: the profile, the job's own settings (from training.submitted), rank and group size. */
function checkpointHyperparams(context: LoopContext, state: LoopState, jobId: string): Record<string, unknown> {
  const profile = trainingProfile(context.stack.names.trainer, context.stack.baseModel, context.options.training);
  const submitted = context.store
    .read({ streamId: experimentStream(state.experimentId as string), types: ['training.submitted'] })
    .find((event) => event.type === 'training.submitted' && event.data.jobId === jobId);
  const applied = submitted?.type === 'training.submitted' ? submitted.data.hyperparams : undefined;
  const training = applied?.training ?? { lr: profile.optim.lr, epochs: profile.optim.epochs };
  return {
    profile: profile.name,
    ...training,
    rank: profile.lora.rank,
    groupSize: context.options.groupSize,
    ...(applied && Object.keys(applied.options).length ? { options: applied.options } : {}),
  };
}
