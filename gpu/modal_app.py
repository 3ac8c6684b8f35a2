"""The Modal app that trains sia's LoRA adapters on H100s (Modal Python SDK >= 1.2, so the JS SDK can call it).

Deploy:  modal deploy gpu/modal_app.py        (from the repository root; see gpu/README.md for secrets)
TS side: plugins/trainers/modal.ts looks up `sia-trainer`/`train`, spawns it with (job, batch_bytes, options)
and polls the function call id. The adapter lands on the `sia-lora` Volume at job["adapter_out"] (under /vol),
which the vLLM server mounts to hot-load it."""
import os
from pathlib import Path

import modal

APP_NAME = "sia-trainer"
VOLUME_NAME = os.environ.get("SIA_MODAL_VOLUME", "sia-lora")
MOUNT = "/vol"
# bf16 LoRA on gpt-oss-120b: ≈210 GB of weights → H100:4 minimum, H100:8 for long RL sequences (defaults.py).
GPU = os.environ.get("SIA_MODAL_GPU", "H100:4")
HOURS = 3600

GPU_DIR = Path(__file__).resolve().parent
image = (
    modal.Image.debian_slim(python_version="3.11")
    .pip_install_from_requirements(str(GPU_DIR / "requirements.txt"))
    .env({"HF_HOME": f"{MOUNT}/hf-cache", "HF_HUB_ENABLE_HF_TRANSFER": "0"})
    .add_local_python_source("sia_worker")
    .add_local_dir(str(GPU_DIR / "schema"), "/root/schema")
)
volume = modal.Volume.from_name(VOLUME_NAME, create_if_missing=True)
app = modal.App(APP_NAME)


@app.function(
    image=image,
    gpu=GPU,
    volumes={MOUNT: volume},
    secrets=[modal.Secret.from_name("huggingface", required_keys=["HF_TOKEN"])],
    timeout=6 * HOURS,
)
def train(job: dict, batch: bytes, options: dict | None = None) -> dict:
    """Stores the batch on the Volume, trains, commits the Volume, returns {adapter_dir, manifest, metrics}."""
    # add_local_python_source puts the package at /root/sia_worker; schema_check reads /root/schema.
    from sia_worker.remote import run_remote_job

    options = options or {}
    volume.reload()  # see adapters written by earlier jobs (adapter_in)
    try:
        return run_remote_job(job, batch, MOUNT, MOUNT, options.get("backend", "torch"), bool(options.get("tiny_random", False)))
    finally:
        # Writers commit so readers (vLLM, the next job) see the adapter, metrics and batch, even after a failure.
        volume.commit()
