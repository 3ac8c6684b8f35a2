// Child-process harness for an UNTRUSTED trimul kernel. Started by run-kernel.ts under Node's permission model
// (read access to its own temp dir only: no writes, no child processes, no workers), with a heap and time limit.
// It receives the cases over IPC, calls the kernel `runs` times per case on a fresh copy of x (copied outside the
// timed region, so caching the previous answer by input identity does not help) and sends back the times and the
// last output. The clock is captured before the kernel module loads, so the kernel cannot replace it.
const now = performance.now.bind(performance);
const send = process.send.bind(process);

process.once('message', async (job) => {
  const results = [];
  try {
    const kernel = await import(job.kernelUrl);
    if (typeof kernel.trimul !== 'function') throw new TypeError('the kernel module must export a function `trimul`');
    for (const item of job.cases) {
      const times = [];
      let output;
      for (let run = 0; run < item.runs; run++) {
        const x = item.x.slice();
        const start = now();
        output = await kernel.trimul(x, item.mask, item.weights, { ...item.cfg });
        times.push(now() - start);
      }
      if (!(output instanceof Float32Array)) throw new TypeError(`trimul must return a Float32Array, got ${Object.prototype.toString.call(output)}`);
      results.push({ name: item.name, times, output });
    }
    send({ ok: true, results });
  } catch (error) {
    send({ ok: false, error: String(error?.stack ?? error).slice(0, 2000), results });
  }
});
