/**
 * Adapter directories in the PEFT layout every sia adapter uses (DESIGN.md, "Trainer contract"):
 *   adapter_config.json, adapter_model.safetensors, metrics.jsonl (optional), case_memory.json (tiny adapters with a
 *   case memory, plugins/trainers/memory-file.ts), manifest.json (sha256 of each file).
 * Writing goes through a temporary sibling directory and a rename, so a crash never leaves half an adapter;
 * reading verifies every hash first and refuses a changed file by name.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IllegalStateError, IntegrityError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';
import type { AdapterManifest } from '../../core/ports/trainer.ts';
import { adapterFromTensors, adapterTensors, type TinyAdapter, VALUE_HEAD } from '../../core/tiny/adapter.ts';
import { TINY_BASE_MODEL, type TinyModelConfig, tinyBaseRevision } from '../../core/tiny/model.ts';
import { decodeMemory, encodeMemory, MEMORY_FILE } from './memory-file.ts';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.ts';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
export const MANIFEST_FILE = 'manifest.json';
export const METRICS_FILE = 'metrics.jsonl';

export type ManifestFields = Omit<AdapterManifest, 'files'>;

/** Writes `files` (name → bytes) plus their manifest into `dir`, which must not exist yet. */
export function writeAdapterDir(dir: string, files: Record<string, string | Uint8Array>, fields: ManifestFields): AdapterManifest {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new IllegalStateError(`adapter directory ${dir} already exists; adapters are immutable, pick a new adapter_out`);
  const staging = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const hashes: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(staging, name), content);
    hashes[name] = sha256Hex(content);
  }
  const manifest: AdapterManifest = { ...fields, files: hashes };
  writeFileSync(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  if (existsSync(dir)) rmSync(dir, { recursive: true });
  renameSync(staging, dir);
  return manifest;
}

/** Reads manifest.json and checks every listed file against its sha256; throws IntegrityError naming the file. */
export function verifyAdapterDir(dir: string): AdapterManifest {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new NotFoundError(`no ${MANIFEST_FILE} in adapter directory ${dir}`);
  let manifest: AdapterManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (cause) {
    throw new IntegrityError(`${manifestPath} is not valid JSON`, undefined, { cause });
  }
  if (typeof manifest?.files !== 'object' || manifest.files === null || typeof manifest.adapter_id !== 'string') {
    throw new IntegrityError(`${manifestPath} lacks adapter_id or files`);
  }
  for (const required of [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]) {
    if (!(required in manifest.files)) throw new IntegrityError(`${manifestPath} does not list ${required}`);
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (name !== basename(name) || name === MANIFEST_FILE) throw new IntegrityError(`${manifestPath} lists an unsafe file name ${JSON.stringify(name)}`);
    const path = join(dir, name);
    if (!existsSync(path)) throw new IntegrityError(`adapter file ${path} is missing (listed in ${MANIFEST_FILE})`);
    const actual = sha256Hex(readFileSync(path));
    if (actual !== expected) throw new IntegrityError(`adapter file ${path} was changed: sha256 ${actual} does not match ${expected} in ${MANIFEST_FILE}`);
  }
  return manifest;
}

export interface TinyAdapterWrite {
  adapter: TinyAdapter;
  modelConfig: TinyModelConfig;
  /** The job's requested rank (modules smaller than it carry their capped rank in rank_pattern). */
  rank: number;
  manifest: Omit<ManifestFields, 'base_model' | 'base_revision'>;
  metrics?: Array<Record<string, number>>;
}

/** PEFT's adapter_config.json for the tiny policy; value_head travels as a PEFT `modules_to_save` module. */
function peftConfig(write: TinyAdapterWrite): Record<string, unknown> {
  const rankPattern = Object.fromEntries(write.adapter.modules.filter((m) => m.rank !== write.rank).map((m) => [m.target, m.rank]));
  return {
    peft_type: 'LORA',
    // The policy role, as for the real (causal LM) adapters, so tooling treats both alike.
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: TINY_BASE_MODEL,
    revision: tinyBaseRevision(write.modelConfig),
    r: write.rank,
    lora_alpha: write.adapter.alpha,
    lora_dropout: 0,
    target_modules: write.adapter.modules.map((m) => m.target),
    rank_pattern: rankPattern,
    alpha_pattern: {},
    modules_to_save: [VALUE_HEAD],
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    use_rslora: false,
    use_dora: false,
  };
}

export function writeTinyAdapter(dir: string, write: TinyAdapterWrite): AdapterManifest {
  const tensors: Record<string, Tensor> = {};
  for (const tensor of adapterTensors(write.adapter)) tensors[tensor.name] = { shape: tensor.shape, data: tensor.data };
  const weights = encodeSafetensors(tensors, { format: 'pt' });
  const files: Record<string, string | Uint8Array> = {
    [ADAPTER_CONFIG_FILE]: `${JSON.stringify(peftConfig(write), null, 2)}\n`,
    [ADAPTER_WEIGHTS_FILE]: weights,
  };
  if (write.adapter.memory) files[MEMORY_FILE] = encodeMemory(write.adapter.memory.store);
  if (write.metrics) files[METRICS_FILE] = `${write.metrics.map((line) => JSON.stringify(line)).join('\n')}\n`;
  return writeAdapterDir(dir, files, { ...write.manifest, base_model: TINY_BASE_MODEL, base_revision: tinyBaseRevision(write.modelConfig) });
}

export interface LoadedTinyAdapter {
  manifest: AdapterManifest;
  adapter: TinyAdapter;
  /** The configured rank r (adapter_config.json). */
  rank: number;
}

/** Verifies the directory, then loads it for the model `modelConfig` (refusing adapters of other base weights). */
export function readTinyAdapter(dir: string, modelConfig: TinyModelConfig): LoadedTinyAdapter {
  const manifest = verifyAdapterDir(dir);
  const config = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
  const revision = tinyBaseRevision(modelConfig);
  if (config.base_model_name_or_path !== TINY_BASE_MODEL || config.revision !== revision) {
    throw new ValidationError(
      `adapter is for ${String(config.base_model_name_or_path)}@${String(config.revision)}, this policy is ${TINY_BASE_MODEL}@${revision}`,
      `${dir}/${ADAPTER_CONFIG_FILE}`,
    );
  }
  if (config.peft_type !== 'LORA' || typeof config.lora_alpha !== 'number' || typeof config.r !== 'number') {
    throw new ValidationError('needs peft_type "LORA", numeric r and lora_alpha', `${dir}/${ADAPTER_CONFIG_FILE}`);
  }
  const decoded = decodeSafetensors(readFileSync(join(dir, ADAPTER_WEIGHTS_FILE)), `${dir}/${ADAPTER_WEIGHTS_FILE}`);
  const memoryPath = join(dir, MEMORY_FILE);
  const memory = MEMORY_FILE in manifest.files ? decodeMemory(readFileSync(memoryPath, 'utf8'), memoryPath) : null;
  return { manifest, adapter: adapterFromTensors(modelConfig, config.lora_alpha, decoded.tensors, memory), rank: config.r };
}
