// Reference scaffold for the CUDA trimul task (the Meta-Agent's starting point and the offline v0). It returns CUDA
// source for the forward pass of the outgoing triangle multiplicative update: a simple, correct kernel set in float32
// (row LayerNorm; the five projections with gates and mask; the einsum as a batched GEMM over (b, h); output
// LayerNorm, gate and projection) plus the host entry point `trimul_forward`. The policy picks the einsum tile
// size by guided choice among candidates (the CONFIG value first).

// sia:config-begin
const CONFIG = { "threads": 128, "tile": 16, "sharedTiling": true, "fuseProjections": true, "choose": "tile" };
// sia:config-end

const TILES = [8, 16, 32];

// Naive einsum: one thread an output element, reading L and R straight from global memory.
const EINSUM_GLOBAL = `
__global__ void einsum_kernel(const float* __restrict__ L, const float* __restrict__ R, float* __restrict__ O, int N, int H) {
  int b = blockIdx.z / H, h = blockIdx.z % H;
  int i = blockIdx.y * TILE + threadIdx.y, j = blockIdx.x * TILE + threadIdx.x;
  if (i >= N || j >= N) return;
  float sum = 0.f;
  for (int k = 0; k < N; ++k) sum += L[(((size_t)b * N + i) * N + k) * H + h] * R[(((size_t)b * N + j) * N + k) * H + h];
  O[(((size_t)b * N + i) * N + j) * H + h] = sum;
}`;

// Shared-memory tiled einsum: each block stages TILE×TILE tiles of L and R (k-major) and reuses them TILE times.
const EINSUM_SHARED = `
__global__ void einsum_kernel(const float* __restrict__ L, const float* __restrict__ R, float* __restrict__ O, int N, int H) {
  __shared__ float Ls[TILE][TILE + 1];
  __shared__ float Rs[TILE][TILE + 1];
  int b = blockIdx.z / H, h = blockIdx.z % H;
  int i = blockIdx.y * TILE + threadIdx.y, j = blockIdx.x * TILE + threadIdx.x;
  float sum = 0.f;
  for (int k0 = 0; k0 < N; k0 += TILE) {
    int li = blockIdx.y * TILE + threadIdx.y, rj = blockIdx.x * TILE + threadIdx.y, k = k0 + threadIdx.x;
    Ls[threadIdx.y][threadIdx.x] = (li < N && k < N) ? L[(((size_t)b * N + li) * N + k) * H + h] : 0.f;
    Rs[threadIdx.y][threadIdx.x] = (rj < N && k < N) ? R[(((size_t)b * N + rj) * N + k) * H + h] : 0.f;
    __syncthreads();
    for (int kk = 0; kk < TILE; ++kk) sum += Ls[threadIdx.y][kk] * Rs[threadIdx.x][kk];
    __syncthreads();
  }
  if (i < N && j < N) O[(((size_t)b * N + i) * N + j) * H + h] = sum;
}`;

// One thread per (pair, h): all five C→H projections of that pair in one pass over its normalised row.
const PROJECT_FUSED = `
__global__ void project_kernel(const float* __restrict__ xn, const float* __restrict__ mask, TrimulWeights w,
                               float* __restrict__ L, float* __restrict__ R, float* __restrict__ G, size_t pairs, int C, int H) {
  size_t index = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= pairs * H) return;
  size_t p = index / H; int h = index % H;
  const float* row = xn + p * C;
  float lp = 0.f, lg = 0.f, rp = 0.f, rg = 0.f, og = 0.f;
  for (int c = 0; c < C; ++c) {
    float v = row[c];
    lp += v * w.left_proj[h * C + c]; lg += v * w.left_gate[h * C + c];
    rp += v * w.right_proj[h * C + c]; rg += v * w.right_gate[h * C + c];
    og += v * w.out_gate[h * C + c];
  }
  L[index] = lp * mask[p] * sigmoidf(lg);
  R[index] = rp * mask[p] * sigmoidf(rg);
  G[index] = sigmoidf(og);
}`;

// One launch per projection (the unfused baseline): the normalised row is read five times.
const PROJECT_SEPARATE = `
__global__ void linear_kernel(const float* __restrict__ xn, const float* __restrict__ weight, float* __restrict__ out, size_t pairs, int C, int H) {
  size_t index = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= pairs * H) return;
  size_t p = index / H; int h = index % H;
  float sum = 0.f;
  for (int c = 0; c < C; ++c) sum += xn[p * C + c] * weight[h * C + c];
  out[index] = sum;
}
__global__ void gate_kernel(const float* __restrict__ mask, float* L, const float* lg, float* R, const float* rg, float* G, size_t pairs, int H) {
  size_t index = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= pairs * H) return;
  size_t p = index / H;
  L[index] = L[index] * mask[p] * sigmoidf(lg[index]);
  R[index] = R[index] * mask[p] * sigmoidf(rg[index]);
  G[index] = sigmoidf(G[index]);
}`;

const COMMON = `
#include <cuda_runtime.h>
#include <stddef.h>

struct TrimulWeights {
  const float *norm_weight, *norm_bias;                 // [C]
  const float *left_proj, *right_proj, *left_gate, *right_gate, *out_gate; // [H, C] (torch Linear layout)
  const float *out_norm_weight, *out_norm_bias;         // [H]
  const float *to_out;                                   // [C, H]
};

__device__ __forceinline__ float sigmoidf(float v) { return 1.f / (1.f + __expf(-v)); }

// One block per row: mean and variance by a shared-memory tree reduction (blockDim.x a power of two).
__device__ void layer_norm_row(const float* in, float* out, int width, const float* weight, const float* bias, float* scratch) {
  float sum = 0.f, squares = 0.f;
  for (int c = threadIdx.x; c < width; c += blockDim.x) { float v = in[c]; sum += v; squares += v * v; }
  scratch[threadIdx.x] = sum; scratch[blockDim.x + threadIdx.x] = squares;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) {
      scratch[threadIdx.x] += scratch[threadIdx.x + stride];
      scratch[blockDim.x + threadIdx.x] += scratch[blockDim.x + threadIdx.x + stride];
    }
    __syncthreads();
  }
  float mean = scratch[0] / width;
  float variance = fmaxf(scratch[blockDim.x] / width - mean * mean, 0.f);
  float inverse = rsqrtf(variance + 1e-5f);
  for (int c = threadIdx.x; c < width; c += blockDim.x) out[c] = (in[c] - mean) * inverse * weight[c] + bias[c];
}

__global__ void input_norm_kernel(const float* __restrict__ x, float* __restrict__ xn, int C, TrimulWeights w) {
  extern __shared__ float scratch[];
  size_t p = blockIdx.x;
  layer_norm_row(x + p * C, xn + p * C, C, w.norm_weight, w.norm_bias, scratch);
}

// One block per pair: LayerNorm over H, times the gate, then the H→C projection.
__global__ void output_kernel(const float* __restrict__ O, const float* __restrict__ G, float* __restrict__ y, int C, int H, TrimulWeights w) {
  extern __shared__ float shared[];
  float* row = shared;            // [H]
  float* scratch = shared + H;    // [2 * blockDim.x]
  size_t p = blockIdx.x;
  layer_norm_row(O + p * H, row, H, w.out_norm_weight, w.out_norm_bias, scratch);
  __syncthreads();
  for (int h = threadIdx.x; h < H; h += blockDim.x) row[h] *= G[p * H + h];
  __syncthreads();
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    float sum = 0.f;
    for (int h = 0; h < H; ++h) sum += row[h] * w.to_out[c * H + h];
    y[p * C + c] = sum;
  }
}`;

function hostCode() {
  const projections = CONFIG.fuseProjections
    ? `  project_kernel<<<blocks, THREADS, 0, stream>>>(xn, mask, w, L, R, G, pairs, C, H);`
    : `  float *lg = scratch + 4 * pairs * H, *rg = scratch + 5 * pairs * H;
  linear_kernel<<<blocks, THREADS, 0, stream>>>(xn, w.left_proj, L, pairs, C, H);
  linear_kernel<<<blocks, THREADS, 0, stream>>>(xn, w.left_gate, lg, pairs, C, H);
  linear_kernel<<<blocks, THREADS, 0, stream>>>(xn, w.right_proj, R, pairs, C, H);
  linear_kernel<<<blocks, THREADS, 0, stream>>>(xn, w.right_gate, rg, pairs, C, H);
  linear_kernel<<<blocks, THREADS, 0, stream>>>(xn, w.out_gate, G, pairs, C, H);
  gate_kernel<<<blocks, THREADS, 0, stream>>>(mask, L, lg, R, rg, G, pairs, H);`;
  return `
// Scratch bytes trimul_forward needs: the normalised input and the L, R, G, O (and unfused gate) buffers.
extern "C" size_t trimul_scratch_bytes(int B, int N, int C, int H) {
  size_t pairs = (size_t)B * N * N;
  return (pairs * C + ${CONFIG.fuseProjections ? 4 : 6} * pairs * H) * sizeof(float);
}

// x [B,N,N,C], mask [B,N,N], y [B,N,N,C]; every pointer is device memory; scratch holds trimul_scratch_bytes.
extern "C" cudaError_t trimul_forward(const float* x, const float* mask, TrimulWeights w, float* y, float* scratch,
                                      int B, int N, int C, int H, cudaStream_t stream) {
  size_t pairs = (size_t)B * N * N;
  float *xn = scratch + 4 * pairs * H + ${CONFIG.fuseProjections ? 0 : 2} * pairs * H;
  float *L = scratch, *R = scratch + pairs * H, *G = scratch + 2 * pairs * H, *O = scratch + 3 * pairs * H;
  unsigned blocks = (unsigned)((pairs * H + THREADS - 1) / THREADS);
  input_norm_kernel<<<(unsigned)pairs, THREADS, 2 * THREADS * sizeof(float), stream>>>(x, xn, C, w);
${projections}
  dim3 grid((N + TILE - 1) / TILE, (N + TILE - 1) / TILE, B * H);
  einsum_kernel<<<grid, dim3(TILE, TILE), 0, stream>>>(L, R, O, N, H);
  output_kernel<<<(unsigned)pairs, THREADS, (H + 2 * THREADS) * sizeof(float), stream>>>(O, G, y, C, H, w);
  return cudaGetLastError();
}`;
}

export function kernelSource(tile) {
  return [
    `// trimul CUDA kernels generated by the reference scaffold: tile=${tile}, ${JSON.stringify(CONFIG)}`,
    `#define THREADS ${CONFIG.threads}`,
    `#define TILE ${tile}`,
    COMMON,
    CONFIG.fuseProjections ? PROJECT_FUSED : PROJECT_SEPARATE,
    CONFIG.sharedTiling ? EINSUM_SHARED : EINSUM_GLOBAL,
    hostCode(),
  ].join('\n');
}

function candidateTiles() {
  if (CONFIG.choose !== 'tile') return [CONFIG.tile];
  return [CONFIG.tile, ...TILES.filter((tile) => tile !== CONFIG.tile)];
}

export async function solve(example, ctx) {
  const candidates = candidateTiles().map((tile) => `tile=${tile}`);
  let chosen = candidates[0];
  if (candidates.length > 1) {
    const { seqlen, bs, dim, hiddendim } = example.input;
    const reply = await ctx.llm.chat({
      messages: [{ role: 'user', content: `CUDA trimul kernel for H100, N=${seqlen} B=${bs} C=${dim} H=${hiddendim}. Pick the einsum tile size.` }],
      guidedChoice: candidates,
    });
    if (candidates.includes(reply.content)) chosen = reply.content;
  }
  ctx.log(`trimul CUDA source with ${chosen}`);
  return kernelSource(Number(chosen.slice('tile='.length)));
}
