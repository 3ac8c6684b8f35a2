"""Builds small jobs and batches on disk for the worker tests."""
import copy
import hashlib
import json
from pathlib import Path

BASE_JOB = {
    "schema": "sia.train-job/v1", "job_id": "j-test", "base_model": "toy/bigram", "base_revision": None,
    "adapter_in": None, "adapter_out": "adapters/policy-v0001",
    "lora": {"rank": 4, "alpha": 8, "dropout": 0, "target_modules": "all-linear", "target_parameters": []},
    "loss": {
        "kind": "is", "clip_low": 0.2, "clip_high": 0.2, "agg": "token_mean", "agg_constant": None,
        "kl": {"coef": 0.0, "estimator": "k3", "where": "loss"}, "dpo_beta": 0.5,
        "gae": {"gamma": 1.0, "lam": 0.95, "vf_coef": 0.5, "clip_value": 0.2},
    },
    "optim": {"lr": 0.05, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0, "grad_clip": 1.0, "epochs": 3, "minibatches": 1, "seed": 0},
    "data": {"uri": "batch.jsonl", "sha256": "", "n_rows": 0},
}


def sequence_row(tokens, advantage, group="g1", traj="t1", **extra):
    mask = [0] + [1] * (len(tokens) - 1)
    return dict(
        {"group": group, "traj": traj, "tokens": tokens, "mask": mask, "sampler_logprobs": [0.0] * len(tokens),
         "advantages": [advantage * m for m in mask], "ref_logprobs": None, "reward": advantage},
        **extra,
    )


def write_job(directory, rows, **overrides):
    """Writes batch.jsonl and job.json into `directory`; overrides replace top-level or nested (dotted) fields."""
    directory = Path(directory)
    batch = "".join(json.dumps(row) + "\n" for row in rows).encode()
    (directory / "batch.jsonl").write_bytes(batch)
    job = copy.deepcopy(BASE_JOB)
    job["data"].update(sha256=hashlib.sha256(batch).hexdigest(), n_rows=len(rows))
    for key, value in overrides.items():
        target = job
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    (directory / "job.json").write_text(json.dumps(job))
    return directory / "job.json", job
