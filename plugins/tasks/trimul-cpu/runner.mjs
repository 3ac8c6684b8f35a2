// Harness for an UNTRUSTED trimul kernel, started by run-kernel.ts inside the OS sandbox (bubblewrap, no network,
// its own run folder read-only) and Node's permission model. It reads frames on stdin ({ op: 'run', cfg, sizes }
// with x, mask and the weights as float32 payload), calls the kernel once per frame and answers on fd 3 with
// { op: 'result' } and the output as payload. The parent times each frame from the outside, gives every
// repetition fresh inputs and checks the outputs itself: nothing this process says about time or correctness
// is trusted. Frame format: frames.ts.
import { writeSync } from 'node:fs';

const WEIGHTS = ['normWeight', 'normBias', 'leftProj', 'rightProj', 'leftGate', 'rightGate', 'outGate', 'outNormWeight', 'outNormBias', 'toOut'];
const CONTROL_FD = 3;
const input = process.stdin;

function send(header, arrays = []) {
  const json = Buffer.from(JSON.stringify(header));
  const payloadBytes = arrays.reduce((sum, array) => sum + array.byteLength, 0);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(json.length, 0);
  prefix.writeUInt32LE(payloadBytes, 4);
  const bytes = Buffer.concat([prefix, json, ...arrays.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength))]);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(CONTROL_FD, bytes, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

const kernel = await import(process.argv[2]).catch((error) => ({ loadError: error }));
if (kernel.loadError || typeof kernel.trimul !== 'function') {
  send({ op: 'error', message: String(kernel.loadError?.stack ?? 'the kernel module must export a function `trimul`').slice(0, 2000) });
  process.exit(0);
}
send({ op: 'ready' });

let buffered = Buffer.alloc(0);
let busy = Promise.resolve();
input.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  for (;;) {
    if (buffered.length < 8) return;
    const headerBytes = buffered.readUInt32LE(0);
    const payloadBytes = buffered.readUInt32LE(4);
    if (buffered.length < 8 + headerBytes + payloadBytes) return;
    const header = JSON.parse(buffered.subarray(8, 8 + headerBytes).toString('utf8'));
    const bytes = buffered.subarray(8 + headerBytes, 8 + headerBytes + payloadBytes);
    const payload = new Float32Array(bytes.length / 4);
    new Uint8Array(payload.buffer).set(bytes);
    buffered = buffered.subarray(8 + headerBytes + payloadBytes);
    busy = busy.then(() => run(header, payload));
  }
});

async function run(header, payload) {
  try {
    let offset = 0;
    const take = (length) => {
      offset += length;
      return payload.subarray(offset - length, offset);
    };
    const x = take(header.sizes.x);
    const mask = take(header.sizes.mask);
    const weights = Object.fromEntries(WEIGHTS.map((name) => [name, take(header.sizes[name])]));
    const output = await kernel.trimul(x, mask, weights, { ...header.cfg });
    if (!(output instanceof Float32Array)) throw new TypeError(`trimul must return a Float32Array, got ${Object.prototype.toString.call(output)}`);
    send({ op: 'result' }, [output]);
  } catch (error) {
    send({ op: 'error', message: String(error?.stack ?? error).slice(0, 2000) });
  }
}
