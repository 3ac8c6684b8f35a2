"""Seconds per optimizer step of the torch backend on the tiny random gpt-oss, per loss kind (CPU figures in
gpu/README.md). Run: `.venv/bin/python -m sia_worker.bench [--rows 8] [--length 64] [--steps 4]` from gpu/.

Each kind trains one job through run_job (the worker's real path: schema checks, profile, micro-batches,
checkpointing, chunked logprobs) and reports the median of its per-step `seconds` metric; the first step
is left out because it pays one-off allocation costs."""
import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np

from .worker import run_job

KINDS = ["is", "ppo_clip", "ppo_gae", "cross_entropy", "dpo", "is+kl"]


def sequence_rows(count, length, rng):
    rows = []
    for index in range(count):
        tokens = rng.integers(0, 256, length).tolist()
        mask = [0] * (length // 2) + [1] * (length - length // 2)  # half prompt, half completion
        advantage = 1.0 if index % 2 == 0 else -1.0
        rows.append({"group": "g", "traj": f"t{index}", "tokens": tokens, "mask": mask, "sampler_logprobs": [0.0] * length,
                     "advantages": [advantage * m for m in mask], "rewards": [0.0] * (length - 1) + [advantage], "ref_logprobs": None, "reward": advantage})
    return rows


def job_rows(kind, count, length, rng):
    rows = sequence_rows(count * (2 if kind == "dpo" else 1), length, rng)
    if kind == "dpo":
        return [{"group": "g", "chosen": {"tokens": a["tokens"], "mask": a["mask"]}, "rejected": {"tokens": b["tokens"], "mask": b["mask"]},
                 "ref_lp_chosen": None, "ref_lp_rejected": None} for a, b in zip(rows[::2], rows[1::2])]
    for row in rows:
        row.pop("rewards" if kind != "ppo_gae" else "advantages")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sia_worker.bench")
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args(argv)
    from tests.helpers import write_job  # the tests' job writer: one place that knows the job layout

    rng = np.random.default_rng(0)
    for kind in KINDS:
        directory = Path(tempfile.mkdtemp(prefix="sia-bench-"))
        loss_kind, kl = (kind[:-3], {"coef": 0.1, "estimator": "k3", "where": "loss"}) if kind.endswith("+kl") else (kind, {"coef": 0.0, "estimator": "k3", "where": "loss"})
        job_path, _ = write_job(directory, job_rows(loss_kind, args.rows, args.length, rng), base_model="sia/tiny-gpt-oss", **{
            "loss.kind": loss_kind, "loss.kl": kl, "optim.epochs": args.steps, "optim.lr": 0.01,
            "lora.target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"], "lora.target_parameters": ["mlp.experts.gate_up_proj", "mlp.experts.down_proj"],
        })
        result = run_job(job_path, backend="torch", tiny_random=True, log=lambda _line: None)
        seconds = [json.loads(line)["seconds"] for line in (Path(result["adapter_dir"]) / "metrics.jsonl").read_text().splitlines()]
        rest = seconds[1:]
        print(f"{kind:14s} median {statistics.median(rest):.3f} s/step, min {min(rest):.3f} (first {seconds[0]:.3f} s; {args.rows} rows × {args.length} tokens)")


if __name__ == "__main__":
    main()
