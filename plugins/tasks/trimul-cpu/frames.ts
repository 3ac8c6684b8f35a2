/**
 * Binary frames between the parent and an untrusted kernel process: [u32 header bytes][u32 payload bytes][header
 * JSON][payload: float32 arrays back to back]. Sizes are checked before anything is buffered or parsed, so garbage,
 * a huge frame or a malformed header from the kernel fails that kernel with a FrameError, never the parent.
 * (runner.mjs speaks the same format in plain JavaScript.)
 */
import { SandboxError } from '../../../core/errors.ts';

export const MAX_HEADER_BYTES = 64 * 1024;

export class FrameError extends SandboxError {
  constructor(message: string) {
    super('escape', `kernel channel: ${message}`);
  }
}

export interface Frame {
  header: Record<string, unknown>;
  payload: Float32Array;
}

export function encodeFrame(header: Record<string, unknown>, arrays: Float32Array[] = []): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const payloadBytes = arrays.reduce((sum, array) => sum + array.byteLength, 0);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(json.length, 0);
  prefix.writeUInt32LE(payloadBytes, 4);
  return Buffer.concat([prefix, json, ...arrays.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength))]);
}

/** Splits a byte stream into frames; throws FrameError on a frame over the limits or a header that is not an object. */
export function frameReader(maxPayloadBytes: number) {
  let buffered = Buffer.alloc(0);
  return function* push(chunk: Buffer): Generator<Frame> {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 8) return;
      const headerBytes = buffered.readUInt32LE(0);
      const payloadBytes = buffered.readUInt32LE(4);
      if (headerBytes > MAX_HEADER_BYTES || payloadBytes > maxPayloadBytes || payloadBytes % 4 !== 0) {
        throw new FrameError(`a frame of ${headerBytes} + ${payloadBytes} bytes is over the limits (${MAX_HEADER_BYTES}, ${maxPayloadBytes}) or not float32`);
      }
      if (buffered.length < 8 + headerBytes + payloadBytes) return;
      let header: unknown;
      try {
        header = JSON.parse(buffered.subarray(8, 8 + headerBytes).toString('utf8'));
      } catch {
        throw new FrameError('a frame header is not JSON');
      }
      if (!header || typeof header !== 'object' || Array.isArray(header)) throw new FrameError('a frame header is not an object');
      const bytes = buffered.subarray(8 + headerBytes, 8 + headerBytes + payloadBytes);
      const payload = new Float32Array(bytes.length / 4);
      new Uint8Array(payload.buffer).set(bytes);
      buffered = buffered.subarray(8 + headerBytes + payloadBytes);
      yield { header: header as Record<string, unknown>, payload };
    }
  };
}
