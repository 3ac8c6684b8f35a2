import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { decodeSafetensors, encodeSafetensors } from '../plugins/trainers/safetensors.ts';

function headerOf(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8') };
}

/** A file built by hand from the spec: tensors out of name order and an unpadded header. */
function handBuilt(header: object, data: number[]): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length * 4);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  data.forEach((value, i) => view.setFloat32(8 + json.length + i * 4, value, true));
  return bytes;
}

describe('safetensors codec', () => {
  it('writes the spec layout byte for byte', () => {
    const bytes = encodeSafetensors(
      { b: { shape: [2], data: new Float32Array([1.5, -2]) }, a: { shape: [1, 1], data: new Float64Array([0.25]) } },
      { format: 'pt' },
    );
    const header = headerOf(bytes);
    expect(header.length % 8).toBe(0);
    expect(header.text).toMatch(/^\{.*\} *$/);
    expect(JSON.parse(header.text)).toEqual({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    });
    // 0.25 = 0x3E800000, 1.5 = 0x3FC00000, -2 = 0xC0000000, little-endian.
    expect(Array.from(bytes.subarray(8 + header.length))).toEqual([0, 0, 0x80, 0x3e, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
    expect(bytes.length).toBe(8 + header.length + 12);
  });

  it('round-trips values at float32 precision, with metadata', () => {
    const data = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i) * 10 ** (i % 5));
    const decoded = decodeSafetensors(encodeSafetensors({ 'layer.lora_A.weight': { shape: [5, 6], data } }, { format: 'pt', note: 'x' }));
    expect(decoded.metadata).toEqual({ format: 'pt', note: 'x' });
    const tensor = decoded.tensors.get('layer.lora_A.weight')!;
    expect(tensor.shape).toEqual([5, 6]);
    expect(Array.from(tensor.data)).toEqual(Array.from(Float32Array.from(data)));
  });

  it('reads a file written by another writer (unordered tensors, no padding)', () => {
    const bytes = handBuilt({ z: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, [7, 8, 9]);
    const decoded = decodeSafetensors(bytes);
    expect(Array.from(decoded.tensors.get('y')!.data)).toEqual([8, 9]);
    expect(Array.from(decoded.tensors.get('z')!.data)).toEqual([7]);
  });

  it.each([
    ['a dtype other than F32', { t: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, [1], /dtype BF16/],
    ['offsets past the end', { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [1], /fall outside/],
    ['a shape that disagrees with its bytes', { t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, [1, 2], /8 bytes for shape/],
    ['a gap between tensors', { t: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, [1, 2], /not contiguous/],
    ['trailing bytes', { t: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [1, 2], /trailing bytes/],
  ])('refuses %s', (_, header, data, message) => {
    expect(() => decodeSafetensors(handBuilt(header, data), 'w.safetensors')).toThrow(message);
    expect(() => decodeSafetensors(handBuilt(header, data), 'w.safetensors')).toThrow(ValidationError);
  });

  it('refuses a header length larger than the file', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
    expect(() => decodeSafetensors(bytes, 'w.safetensors')).toThrow(/w.safetensors: header length 1000/);
  });
});
