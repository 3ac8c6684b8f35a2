"""The worker end to end on the numpy toy backend: schema checks, training direction, outputs, manifest."""
import hashlib
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

from sia_worker.defaults import GPT_OSS_120B
from sia_worker.profiles import PROFILES, resolve
from sia_worker.schema_check import SchemaError
from sia_worker.toy_backend import ToyBackend
from sia_worker.worker import run_job

from .helpers import BASE_JOB, sequence_row, write_job

GPU_DIR = Path(__file__).resolve().parent.parent
ROWS = [sequence_row([0, 3, 5], 1.0, traj="good"), sequence_row([0, 3, 7], -1.0, traj="bad")]


def quiet(_line):
    pass


def logprob_of(job, adapter_dir, tokens, with_adapter=True):
    backend = ToyBackend(job, [{"tokens": tokens}], adapter_dir)
    return backend.forward(np.asarray([tokens]), with_adapter)[0][0, -1]


class WorkerTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sia-worker-"))

    def test_policy_gradient_moves_mass_toward_positive_advantage(self):
        job_path, job = write_job(self.dir, ROWS)
        result = run_job(job_path, backend="toy", log=quiet)
        adapter = Path(result["adapter_dir"])
        before_good, after_good = logprob_of(job, adapter, [0, 3, 5], False), logprob_of(job, adapter, [0, 3, 5])
        before_bad, after_bad = logprob_of(job, adapter, [0, 3, 7], False), logprob_of(job, adapter, [0, 3, 7])
        self.assertGreater(after_good, before_good)
        self.assertLess(after_bad, before_bad)

    def test_outputs_follow_the_contract_layout(self):
        job_path, _ = write_job(self.dir, ROWS)
        result = run_job(job_path, backend="toy", log=quiet)
        adapter = Path(result["adapter_dir"])
        manifest = json.loads((adapter / "manifest.json").read_text())
        self.assertEqual(sorted(manifest["files"]), ["adapter_config.json", "adapter_model.safetensors", "metrics.jsonl"])
        for name, digest in manifest["files"].items():
            self.assertEqual(hashlib.sha256((adapter / name).read_bytes()).hexdigest(), digest)
        self.assertEqual((manifest["adapter_id"], manifest["steps"], manifest["parent_adapter"]), ("policy-v0001", 3, None))
        metrics = [json.loads(line) for line in (adapter / "metrics.jsonl").read_text().splitlines()]
        self.assertEqual([m["step"] for m in metrics], [1, 2, 3])
        self.assertTrue(all({"loss", "grad_norm", "n_tokens", "adv_mean", "lr"} <= m.keys() for m in metrics))
        config = json.loads((adapter / "adapter_config.json").read_text())
        self.assertEqual((config["peft_type"], config["r"], config["lora_alpha"]), ("LORA", 4, 8))

    def test_a_second_job_continues_from_adapter_in(self):
        first_path, _ = write_job(self.dir, ROWS)
        run_job(first_path, backend="toy", log=quiet)
        second = self.dir / "second"
        second.mkdir()
        job_path, job = write_job(second, ROWS, adapter_in="../adapters/policy-v0001", adapter_out="../adapters/policy-v0002", job_id="j-2")
        result = run_job(job_path, backend="toy", log=quiet)
        self.assertEqual(result["manifest"]["parent_adapter"], "policy-v0001")
        self.assertGreater(logprob_of(job, Path(result["adapter_dir"]), [0, 3, 5]), logprob_of(job, self.dir / "adapters/policy-v0001", [0, 3, 5]))

    def test_adapters_are_immutable(self):
        job_path, _ = write_job(self.dir, ROWS)
        run_job(job_path, backend="toy", log=quiet)
        with self.assertRaisesRegex(FileExistsError, "adapter_out"):
            run_job(job_path, backend="toy", log=quiet)

    def test_dpo_widens_the_margin(self):
        pair = {"group": "g", "chosen": {"tokens": [0, 2, 4], "mask": [0, 1, 1]}, "rejected": {"tokens": [0, 2, 6], "mask": [0, 1, 1]}, "ref_lp_chosen": None, "ref_lp_rejected": None}
        job_path, _ = write_job(self.dir, [pair], **{"loss.kind": "dpo"})
        adapter = Path(run_job(job_path, backend="toy", log=quiet)["adapter_dir"])
        metrics = [json.loads(line) for line in (adapter / "metrics.jsonl").read_text().splitlines()]
        self.assertGreater(metrics[-1]["margin"], metrics[0]["margin"])
        self.assertLess(metrics[-1]["loss"], metrics[0]["loss"])

    def test_ppo_gae_trains_a_value_head(self):
        rows = [dict(sequence_row([0, 1, 2, 3], 0.0), rewards=[0, 0, 0, 1]), dict(sequence_row([0, 1, 2, 4], 0.0), rewards=[0, 0, 0, 0])]
        job_path, _ = write_job(self.dir, rows, **{"loss.kind": "ppo_gae", "optim.epochs": 6})
        adapter = Path(run_job(job_path, backend="toy", log=quiet)["adapter_dir"])
        self.assertTrue((adapter / "value_head.safetensors").exists())
        metrics = [json.loads(line) for line in (adapter / "metrics.jsonl").read_text().splitlines()]
        self.assertLess(metrics[-1]["vf_loss"], metrics[0]["vf_loss"])

    def test_table_gradients_match_finite_differences(self):
        job = dict(BASE_JOB)
        backend = ToyBackend(job, ROWS)
        rng = np.random.default_rng(1)
        backend.params["B"] = rng.normal(size=backend.params["B"].shape)
        tokens = np.asarray([[0, 3, 5], [1, 2, 9]])
        weights = rng.normal(size=tokens.shape)
        _, cache = backend.forward(tokens)
        grads = {k: np.zeros_like(v) for k, v in backend.params.items()}
        backend.backward(cache, weights, grads)
        for name in ("A", "B"):
            for position in [(0, 3), (1, 2), (2, 1)] if name == "A" else [(5, 0), (9, 3), (4, 2)]:
                original = backend.params[name][position]
                values = []
                for shift in (1e-6, -1e-6):
                    backend.params[name][position] = original + shift
                    values.append(float((backend.forward(tokens)[0] * weights).sum()))
                backend.params[name][position] = original
                self.assertAlmostEqual(grads[name][position], (values[0] - values[1]) / 2e-6, places=5)

    def test_schema_errors_name_the_field(self):
        job_path, _ = write_job(self.dir, ROWS, **{"loss.kind": "reinforce"})
        with self.assertRaises(SchemaError) as caught:
            run_job(job_path, backend="toy", log=quiet)
        self.assertEqual(caught.exception.path, "job.loss.kind")
        bad_row = dict(ROWS[0], mask=[0, 1])
        job_path, _ = write_job(self.dir, [bad_row])
        with self.assertRaisesRegex(SchemaError, r"rows\[0\]\.mask"):
            run_job(job_path, backend="toy", log=quiet)
        job_path, _ = write_job(self.dir, ROWS, **{"data.sha256": "0" * 64})
        with self.assertRaisesRegex(SchemaError, "job.data.sha256"):
            run_job(job_path, backend="toy", log=quiet)

    def test_refuses_rows_no_token_backend_can_represent(self):
        # What loop/rollouts.ts makes of a tiny-policy call: the chosen candidate's index alone, no prompt tokens.
        tiny_policy_row = dict(ROWS[0], tokens=[1], mask=[1], sampler_logprobs=[-0.7], advantages=[1.0], context={"messages": [], "candidates": ["4", "5"]})
        job_path, _ = write_job(self.dir, [ROWS[0], tiny_policy_row])
        with self.assertRaisesRegex(SchemaError, r"^rows\[1\]\.mask: is a tiny-policy row .* only --trainer tiny"):
            run_job(job_path, backend="toy", log=quiet)
        # A served model's rows carry candidates too (guided choice); with prompt tokens they train as usual.
        job_path, _ = write_job(self.dir, [dict(ROWS[0], context={"messages": [], "candidates": ["4", "5"]})])
        self.assertEqual(run_job(job_path, backend="toy", log=quiet)["manifest"]["steps"], 3)
        job_path, _ = write_job(self.dir, [dict(ROWS[0], mask=[1, 1, 1])], adapter_out="adapters/policy-v0002")
        with self.assertRaisesRegex(SchemaError, r"^rows\[0\]\.mask: mask\[0\] is 1"):
            run_job(job_path, backend="toy", log=quiet)
        pair = {"group": "g", "chosen": {"tokens": [0, 2], "mask": [0, 1]}, "rejected": {"tokens": [0, 3], "mask": [1, 1]}, "ref_lp_chosen": None, "ref_lp_rejected": None}
        job_path, _ = write_job(self.dir, [pair], **{"loss.kind": "dpo"})
        with self.assertRaisesRegex(SchemaError, r"^rows\[0\]\.rejected\.mask: mask\[0\] is 1"):
            run_job(job_path, backend="toy", log=quiet)

    def test_feedback_agent_hyperparams_apply_and_are_recorded(self):
        job_path, _ = write_job(self.dir, ROWS, hyperparams={"epochs": 2, "lr": 0.01, "rank": 2})
        result = run_job(job_path, backend="toy", log=quiet)
        self.assertEqual(result["manifest"]["steps"], 2)
        self.assertEqual((result["hyperparams"]["lr"], result["hyperparams"]["rank"], result["profile"]), (0.01, 2, "toy"))
        self.assertEqual(result["hyperparams_overrides"], {"epochs": 2, "lr": 0.01, "rank": 2})
        for bad, message in (({"learning_rate": 0.1}, r"job\.hyperparams\.learning_rate: is not a setting"), ({"epochs": 1.5}, "whole number"), ({"lr": -1}, "positive")):
            job_path, _ = write_job(self.dir, ROWS, hyperparams=bad)
            with self.assertRaisesRegex(SchemaError, message):
                run_job(job_path, backend="toy", log=quiet)

    def test_profiles_keep_the_tiny_learning_rate_off_gpt_oss_120b(self):
        _, job = write_job(self.dir, ROWS, base_model="openai/gpt-oss-120b")
        with self.assertRaisesRegex(SchemaError, r"^job\.optim\.lr: 0\.05 is above the gpt-oss-120b profile's limit"):
            resolve(job, "torch")
        settings = dict(job, optim=dict(job["optim"], lr=GPT_OSS_120B["optim"]["lr"]))
        _, runtime, record = resolve(settings, "torch")
        self.assertEqual((record["profile"], runtime["micro_batch_size"], runtime["dtype"]), ("gpt-oss-120b", 1, "bfloat16"))
        self.assertEqual(PROFILES["gpt-oss-120b"]["optim"]["lr"], 4e-5)
        self.assertEqual(resolve(job, "torch", tiny_random=True)[2]["profile"], "tiny-gpt-oss")

    def test_command_line_writes_result_or_error_files(self):
        job_path, _ = write_job(self.dir, ROWS)
        command = [sys.executable, "-m", "sia_worker", "train", "--job", str(job_path), "--backend", "toy"]
        done = subprocess.run(command, cwd=GPU_DIR, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(json.loads(done.stdout)["manifest"]["steps"], 3)
        self.assertTrue((self.dir / "result.json").exists())
        failed = subprocess.run(command, cwd=GPU_DIR, capture_output=True, text=True)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("already holds a finished adapter", json.loads((self.dir / "error.json").read_text())["error"])


if __name__ == "__main__":
    unittest.main()
