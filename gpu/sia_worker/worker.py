"""One training job: read job.json + batch.jsonl, check them against gpu/schema, train, write the adapter.

Output layout (training-anchors.md §5), in job["adapter_out"]:
  adapter_config.json, adapter_model.safetensors (PEFT layout), value_head.safetensors (ppo_gae only),
  metrics.jsonl (one line per optimizer step, appended as training goes, so pollers can show progress),
  manifest.json (written last: its presence means the adapter is complete; sha256 of every other file).
Relative paths in the job resolve against the job file's directory."""
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from .batch import advantage_stats, check_rows_fit_loss, minibatches, read_rows
from .parity_probe import write_parity_probe
from .profiles import resolve
from .schema_check import load_schema, validate

MANIFEST = "manifest.json"
METRICS = "metrics.jsonl"


def load_job(job_path):
    job = json.loads(Path(job_path).read_text())
    validate(job, load_schema("train-job.schema.json"), "job")
    return job


def make_backend(name, job, rows, adapter_in_dir, tiny_random, runtime=None):
    if name == "toy":
        from .toy_backend import ToyBackend

        return ToyBackend(job, rows, adapter_in_dir)
    if name == "torch":
        from .torch_backend import TorchBackend

        return TorchBackend(job, rows, adapter_in_dir, tiny_random, runtime)
    raise ValueError(f"--backend: unknown backend {name!r} (toy or torch)")


def run_job(job_path, backend="torch", tiny_random=False, log=print):
    """Trains the job and returns the small JSON result: adapter_dir, manifest and a metrics summary."""
    job_path = Path(job_path).resolve()
    if backend not in ("toy", "torch"):
        raise ValueError(f"--backend: unknown backend {backend!r} (toy or torch)")
    # The Feedback-Agent's overrides (job.hyperparams) apply here, so epochs/lr below are the effective ones.
    job, runtime, profile_record = resolve(load_job(job_path), backend, tiny_random)
    base = job_path.parent
    rows = read_rows(base / job["data"]["uri"], job["data"]["sha256"], job["data"]["n_rows"])
    check_rows_fit_loss(rows, job["loss"]["kind"])
    adapter_in = base / job["adapter_in"] if job["adapter_in"] else None
    out_dir = base / job["adapter_out"]
    if (out_dir / MANIFEST).exists():
        raise FileExistsError(f"adapter_out: {out_dir} already holds a finished adapter; adapters are immutable, use a new name")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / METRICS).write_text("")

    trainer = make_backend(backend, job, rows, adapter_in, tiny_random, runtime)
    optim = job["optim"]
    rng = np.random.default_rng(optim["seed"])
    total_steps = optim["epochs"] * max(1, min(optim["minibatches"], len(rows)))
    last = {}
    step = 0
    for epoch in range(optim["epochs"]):
        for part in minibatches(rows, optim["minibatches"], rng):
            started = time.perf_counter()
            metrics = trainer.step(part, optim["lr"])
            step += 1
            last = dict(metrics, **advantage_stats(part), step=step, total_steps=total_steps, epoch=epoch, lr=optim["lr"], seconds=time.perf_counter() - started)
            with open(out_dir / METRICS, "a") as handle:
                handle.write(json.dumps(last) + "\n")
            log(f"step {step}/{total_steps} loss {last['loss']:.6f} grad_norm {last['grad_norm']:.4g}")
    trainer.save(out_dir)
    if trainer.name == "torch":
        # Before the manifest, so the probe is one of the adapter's pinned files and travels with it.
        write_parity_probe(trainer, rows, out_dir, runtime["dtype"])
    manifest = write_manifest(job, out_dir, step)
    summary = {key: float(value) for key, value in last.items() if isinstance(value, (int, float))}
    if hasattr(trainer, "result_metrics"):
        summary.update(trainer.result_metrics())
    # Callers that cannot read adapter_dir (sia, for an adapter on a Modal Volume) still pin manifest.json's bytes.
    manifest_sha256 = hashlib.sha256((out_dir / MANIFEST).read_bytes()).hexdigest()
    return {"adapter_dir": str(out_dir), "manifest": manifest, "metrics": summary, "backend": trainer.name, "manifest_sha256": manifest_sha256, **profile_record}


def write_manifest(job, out_dir, steps):
    files = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out_dir.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {
        "adapter_id": Path(job["adapter_out"]).name,
        "job_id": job["job_id"],
        "parent_adapter": Path(job["adapter_in"]).name if job["adapter_in"] else None,
        "base_model": job["base_model"],
        "base_revision": job["base_revision"],
        "algorithm": job["loss"]["kind"],
        "steps": steps,
        "files": files,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
