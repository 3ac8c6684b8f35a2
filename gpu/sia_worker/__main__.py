"""Command line: `python3 -m sia_worker train --job DIR/job.json [--backend torch|toy] [--tiny-random]`
or `python3 -m sia_worker remote --job J --batch B --mount /vol --volume-dir DIR` (the Modal function's body).

`train` writes result.json (success) or error.json (failure) next to job.json, so a poller that restarted can
read the outcome from files; both commands also print the result as one JSON line on stdout."""
import argparse
import json
import sys
import traceback
from pathlib import Path

from .remote import run_remote_job
from .worker import run_job


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="python3 -m sia_worker", description="sia LoRA trainer worker")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("train", "remote"):
        command = commands.add_parser(name)
        command.add_argument("--job", required=True, help="job.json (sia.train-job/v1)")
        command.add_argument("--backend", choices=["torch", "toy"], default="torch", help="toy: numpy bigram-table LoRA for CPU tests")
        command.add_argument("--tiny-random", action="store_true", help="torch backend on a small random model (GPU smoke test)")
        if name == "remote":
            command.add_argument("--batch", required=True, help="the batch bytes the Modal function would receive")
            command.add_argument("--mount", default="/vol")
            command.add_argument("--volume-dir", default="/vol")
    return parser.parse_args(argv)


def write_atomically(path, value):
    """Write then rename, so a poller never reads half a file."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(value, indent=2))
    partial.replace(path)


def main(argv=None):
    args = parse_arguments(argv)
    job_path = Path(args.job)
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731 - stdout carries only the result
    try:
        if args.command == "remote":
            job = json.loads(job_path.read_text())
            result = run_remote_job(job, Path(args.batch).read_bytes(), args.mount, args.volume_dir, args.backend, args.tiny_random, log)
        else:
            result = run_job(job_path, args.backend, args.tiny_random, log)
    except Exception as error:  # the poller needs every failure as a file, whatever its type
        if args.command == "train":
            write_atomically(job_path.parent / "error.json", {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()})
        print(f"sia_worker: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if args.command == "train":
        write_atomically(job_path.parent / "result.json", result)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
