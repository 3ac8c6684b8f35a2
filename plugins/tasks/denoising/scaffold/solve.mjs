// Reference scaffold for the denoising task (the Meta-Agent's starting point and the offline v0): MAGIC-style
// kNN diffusion. Transform the train counts (sqrt + library-size normalisation, in a configurable order), find each
// cell's neighbours (in PCA space or on all genes), build an adaptive-bandwidth affinity graph, diffuse t steps,
// back-transform to counts, and optionally round to integers. The policy picks one setting by guided choice among
// candidates around CONFIG (the CONFIG value first).

// sia:config-begin
const CONFIG = { "k": 5, "t": 3, "order": "normalize-sqrt", "pcaComponents": 20, "decay": 1, "round": false, "choose": "t" };
// sia:config-end

function candidateSettings() {
  const around = (value, step) => [...new Set([value, Math.max(1, value - step), value + step])];
  if (CONFIG.choose === 't') return around(CONFIG.t, 1).map((t) => `k=${CONFIG.k} t=${t}`);
  if (CONFIG.choose === 'k') return around(CONFIG.k, 2).map((k) => `k=${k} t=${CONFIG.t}`);
  return [`k=${CONFIG.k} t=${CONFIG.t}`];
}

function describe({ cells, genes, counts }) {
  const libraries = rowSums(counts, cells, genes).sort((a, b) => a - b);
  const zeros = counts.filter((value) => value === 0).length / counts.length;
  return `Single-cell count matrix: ${cells} cells x ${genes} genes, ${(100 * zeros).toFixed(0)}% zeros, ` +
    `median library size ${libraries[Math.floor(cells / 2)]}. Choose the kNN size k and diffusion time t for MAGIC.`;
}

function rowSums(values, rows, columns) {
  const sums = new Array(rows).fill(0);
  for (let row = 0; row < rows; row++) for (let column = 0; column < columns; column++) sums[row] += values[row * columns + column];
  return sums;
}

// Forward transform: returns the matrix to diffuse and the per-cell factor that undoes the normalisation.
function transform(counts, cells, genes) {
  const data = new Float64Array(cells * genes);
  const source = CONFIG.order === 'sqrt-normalize' ? counts.map(Math.sqrt) : counts;
  const sums = rowSums(source, cells, genes);
  for (let cell = 0; cell < cells; cell++) {
    const scale = sums[cell] > 0 ? 1 / sums[cell] : 0;
    for (let gene = 0; gene < genes; gene++) {
      const value = source[cell * genes + gene] * scale;
      data[cell * genes + gene] = CONFIG.order === 'sqrt-normalize' ? value : Math.sqrt(value);
    }
  }
  return { data, sums };
}

function backTransform(data, sums, cells, genes) {
  const out = new Array(cells * genes);
  for (let cell = 0; cell < cells; cell++) {
    for (let gene = 0; gene < genes; gene++) {
      const value = Math.max(0, data[cell * genes + gene]);
      let count = CONFIG.order === 'sqrt-normalize' ? (value * sums[cell]) ** 2 : value * value * sums[cell];
      if (CONFIG.round) count = Math.round(count);
      out[cell * genes + gene] = count;
    }
  }
  return out;
}

// Cell coordinates for the kNN search: the top principal components of the centred data (subspace iteration on
// the cells×cells Gram matrix, deterministic start), or the centred data itself when pcaComponents is 0.
function embed(data, cells, genes) {
  const centred = new Float64Array(data);
  for (let gene = 0; gene < genes; gene++) {
    let mean = 0;
    for (let cell = 0; cell < cells; cell++) mean += data[cell * genes + gene];
    mean /= cells;
    for (let cell = 0; cell < cells; cell++) centred[cell * genes + gene] -= mean;
  }
  const components = Math.min(CONFIG.pcaComponents, cells - 1);
  if (components <= 0) return { coords: centred, width: genes };
  const gram = new Float64Array(cells * cells);
  for (let a = 0; a < cells; a++) {
    for (let b = a; b < cells; b++) {
      let dot = 0;
      for (let gene = 0; gene < genes; gene++) dot += centred[a * genes + gene] * centred[b * genes + gene];
      gram[a * cells + b] = dot;
      gram[b * cells + a] = dot;
    }
  }
  let basis = Array.from({ length: components }, (_, c) => Float64Array.from({ length: cells }, (_, i) => Math.sin(1 + i * (c + 1) * 0.7)));
  for (let iteration = 0; iteration < 40; iteration++) basis = orthonormalise(basis.map((vector) => multiply(gram, vector, cells)));
  const coords = new Float64Array(cells * components);
  basis.forEach((vector, c) => {
    const scale = Math.sqrt(Math.max(0, dotProduct(vector, multiply(gram, vector, cells))));
    for (let cell = 0; cell < cells; cell++) coords[cell * components + c] = vector[cell] * scale;
  });
  return { coords, width: components };
}

const dotProduct = (a, b) => a.reduce((sum, value, index) => sum + value * b[index], 0);

function multiply(matrix, vector, size) {
  const out = new Float64Array(size);
  for (let row = 0; row < size; row++) for (let column = 0; column < size; column++) out[row] += matrix[row * size + column] * vector[column];
  return out;
}

function orthonormalise(vectors) {
  const done = [];
  for (const vector of vectors) {
    const copy = Float64Array.from(vector);
    for (const previous of done) {
      const projection = dotProduct(copy, previous);
      for (let index = 0; index < copy.length; index++) copy[index] -= projection * previous[index];
    }
    const norm = Math.sqrt(dotProduct(copy, copy)) || 1;
    done.push(copy.map((value) => value / norm));
  }
  return done;
}

// MAGIC's kernel: exp(−(d/σ_i)^decay), σ_i = distance to the k-th neighbour; symmetrised, row-normalised.
function diffusionOperator(coords, width, cells, k) {
  const distances = new Float64Array(cells * cells);
  for (let a = 0; a < cells; a++) {
    for (let b = 0; b < cells; b++) {
      let sum = 0;
      for (let c = 0; c < width; c++) sum += (coords[a * width + c] - coords[b * width + c]) ** 2;
      distances[a * cells + b] = Math.sqrt(sum);
    }
  }
  const affinity = new Float64Array(cells * cells);
  for (let a = 0; a < cells; a++) {
    const sorted = Array.from(distances.subarray(a * cells, (a + 1) * cells)).sort((x, y) => x - y);
    const bandwidth = sorted[Math.min(k, cells - 1)] || 1e-12;
    for (let b = 0; b < cells; b++) {
      const value = Math.exp(-((distances[a * cells + b] / bandwidth) ** CONFIG.decay));
      affinity[a * cells + b] = value < 1e-4 ? 0 : value;
    }
  }
  const operator = new Float64Array(cells * cells);
  for (let a = 0; a < cells; a++) {
    let rowSum = 0;
    for (let b = 0; b < cells; b++) rowSum += operator[a * cells + b] = (affinity[a * cells + b] + affinity[b * cells + a]) / 2;
    for (let b = 0; b < cells; b++) operator[a * cells + b] /= rowSum;
  }
  return operator;
}

function diffuse(operator, data, cells, genes, steps) {
  let current = data;
  for (let step = 0; step < steps; step++) {
    const next = new Float64Array(cells * genes);
    for (let a = 0; a < cells; a++) {
      for (let b = 0; b < cells; b++) {
        const weight = operator[a * cells + b];
        if (weight === 0) continue;
        for (let gene = 0; gene < genes; gene++) next[a * genes + gene] += weight * current[b * genes + gene];
      }
    }
    current = next;
  }
  return current;
}

export function denoise({ cells, genes, counts }, k, t) {
  const { data, sums } = transform(counts, cells, genes);
  const { coords, width } = embed(data, cells, genes);
  const smoothed = diffuse(diffusionOperator(coords, width, cells, k), data, cells, genes, t);
  return backTransform(smoothed, sums, cells, genes);
}

export async function solve(example, ctx) {
  const candidates = candidateSettings();
  let chosen = candidates[0];
  if (candidates.length > 1) {
    const reply = await ctx.llm.chat({ messages: [{ role: 'user', content: describe(example.input) }], guidedChoice: candidates });
    if (candidates.includes(reply.content)) chosen = reply.content;
  }
  const [, k, t] = /k=(\d+) t=(\d+)/.exec(chosen).map(Number);
  ctx.log(`denoising with ${chosen}`);
  return denoise(example.input, k, t);
}
