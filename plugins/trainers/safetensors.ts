/**
 * A safetensors codec for F32 tensors (the format PEFT and vLLM read): an 8-byte little-endian u64 header length,
 * a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}} padded with
 * spaces to a multiple of 8 bytes, then the raw little-endian bytes, offsets relative to the end of the header.
 */
import { ValidationError } from '../../core/errors.ts';

export interface Tensor {
  shape: number[];
  data: Float64Array | Float32Array;
}

export interface DecodedSafetensors {
  tensors: Map<string, { shape: number[]; data: Float64Array }>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
const ALIGNMENT = 8;
/** The reference implementation refuses headers over 100 MB; so do we, before parsing untrusted JSON. */
const MAX_HEADER_BYTES = 100_000_000;

const elementCount = (shape: number[]): number => shape.reduce((product, size) => product * size, 1);

/** Tensors are laid out in name order, so the same tensors always give the same bytes (and sha256). */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    if (elementCount(shape) !== data.length) throw new ValidationError(`shape [${shape}] holds ${elementCount(shape)} values, data has ${data.length}`, name);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.length * 4] };
    offset += data.length * 4;
  }
  let headerText = JSON.stringify(header);
  const headerBytesUnpadded = Buffer.byteLength(headerText, 'utf8');
  headerText += ' '.repeat((ALIGNMENT - (headerBytesUnpadded % ALIGNMENT)) % ALIGNMENT);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    for (const value of tensors[name].data) {
      view.setFloat32(position, value, true);
      position += 4;
    }
  }
  return bytes;
}

/** Decodes and checks the layout: every tensor F32, offsets inside the buffer, contiguous, matching its shape. */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors'): DecodedSafetensors {
  const fail = (message: string): never => {
    throw new ValidationError(message, file);
  };
  if (bytes.length < 8) fail('shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) fail(`header length ${headerLength} does not fit in ${bytes.length} bytes`);
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  } catch (cause) {
    fail(`header is not JSON (${(cause as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, { shape: number[]; data: Float64Array }>();
  const spans: Array<[number, number]> = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (dtype !== 'F32') fail(`tensor ${name} has dtype ${String(dtype)}; only F32 is supported`);
    if (!Array.isArray(shape) || !shape.every((size) => Number.isInteger(size) && size >= 0)) fail(`tensor ${name} has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(Number.isInteger)) fail(`tensor ${name} has bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) fail(`tensor ${name} data_offsets [${begin}, ${end}] fall outside ${dataLength} data bytes`);
    if (end - begin !== elementCount(shape as number[]) * 4) fail(`tensor ${name} has ${end - begin} bytes for shape [${shape}]`);
    const data = new Float64Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + begin + i * 4, true);
    tensors.set(name, { shape: shape as number[], data });
    spans.push([begin, end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end] of spans) {
    if (begin !== expected) fail(`tensor data is not contiguous at byte ${begin}`);
    expected = end;
  }
  if (expected !== dataLength) fail(`${dataLength - expected} trailing bytes after the last tensor`);
  const metadata = (header[METADATA_KEY] ?? {}) as Record<string, string>;
  return { tensors, metadata };
}
