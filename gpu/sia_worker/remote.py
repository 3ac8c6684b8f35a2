"""The body of the Modal function (gpu/modal_app.py), kept here so it runs without Modal too: the TS fake of
Modal runs it through `python3 -m sia_worker remote`, so the fake exercises the same Python as the cloud.

The JS SDK cannot write Volume files, so the batch travels inline as bytes (CBOR) and this function stores it
on the Volume next to the job before training; the adapter then lands on the same Volume for vLLM to load."""
import hashlib
import json
from pathlib import Path

from .schema_check import SchemaError, load_schema, validate
from .worker import run_job

PATH_FIELDS = ("adapter_in", "adapter_out")


def run_remote_job(job, batch_bytes, mount="/vol", volume_dir="/vol", backend="torch", tiny_random=False, log=print):
    """Trains `job` whose paths live under `mount`; on Modal mount == volume_dir, a fake maps them to a folder."""
    validate(job, load_schema("train-job.schema.json"), "job")
    digest = hashlib.sha256(batch_bytes).hexdigest()
    if digest != job["data"]["sha256"]:
        raise SchemaError("job.data.sha256", f"the batch bytes hash to {digest}, the job says {job['data']['sha256']}")

    def local(path, field):
        if not (path == mount or path.startswith(mount.rstrip("/") + "/")):
            raise SchemaError(f"job.{field}", f"{path} is not on the volume mounted at {mount}")
        return Path(volume_dir) / Path(path).relative_to(mount)

    batch_path = local(job["data"]["uri"], "data.uri")
    batch_path.parent.mkdir(parents=True, exist_ok=True)
    batch_path.write_bytes(batch_bytes)
    local_job = json.loads(json.dumps(job))
    local_job["data"]["uri"] = str(batch_path)
    for field in PATH_FIELDS:
        if job[field] is not None:
            local_job[field] = str(local(job[field], field))
    job_path = Path(volume_dir) / "jobs" / f"{job['job_id']}.json"
    job_path.parent.mkdir(parents=True, exist_ok=True)
    job_path.write_text(json.dumps(local_job, indent=2))
    result = run_job(job_path, backend=backend, tiny_random=tiny_random, log=log)
    # Report the adapter where every volume user (vLLM included) sees it: under the mount, not the local folder.
    result["adapter_dir"] = job["adapter_out"]
    return result
