"""The torch backend's mechanics on the tiny gpt-oss: chunked completion-only logprobs, gradient checkpointing
really on, micro-batches equal to one pass, ratio 1 at the first step, a saved adapter that reproduces the
trainer, and the refusals that need a model."""
import copy
import importlib.util
import json
import tempfile
import unittest
from pathlib import Path

from sia_worker.schema_check import SchemaError

TORCH_MISSING = importlib.util.find_spec("torch") is None or importlib.util.find_spec("peft") is None
if not TORCH_MISSING:
    import torch
    from safetensors import safe_open

    from sia_worker.torch_backend import TorchBackend
    from sia_worker.torch_logprobs import completion_logprobs, full_vocab_logprobs
    from sia_worker.worker import run_job

    from .torch_helpers import completion_sums, quiet, text_row, tiny_job

RUNTIME = {"micro_batch_size": 2, "logprob_chunk": 8, "dtype": "float32"}


def rows_of_different_lengths():
    return [
        text_row("Q: 2+2? A:", " 4", 1.0, "a"), text_row("Q: name a colour. A:", " blue, or red", -0.5, "b"),
        text_row("Hi", " there!", 0.25, "c"), text_row("Q: 7*6? A:", " 42 (six sevens)", -1.0, "d"),
    ]


@unittest.skipIf(TORCH_MISSING, "torch/peft are not installed: run these with gpu/.venv/bin/python (bash gpu/venv.sh)")
class TorchMechanicsTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sia-torch-"))

    def backend(self, rows, runtime=RUNTIME, **overrides):
        _, job = tiny_job(self.dir, rows, **overrides)
        return TorchBackend(job, rows, tiny_random=True, runtime=dict(runtime))

    def test_chunked_completion_logprobs_equal_the_full_vocabulary_ones(self):
        rows = rows_of_different_lengths()
        backend = self.backend(rows)
        length = max(len(r["tokens"]) for r in rows)
        tokens = torch.tensor([r["tokens"] + [0] * (length - len(r["tokens"])) for r in rows])
        attention = torch.tensor([[1] * len(r["tokens"]) + [0] * (length - len(r["tokens"])) for r in rows])
        mask = torch.tensor([r["mask"] + [0] * (length - len(r["mask"])) for r in rows], dtype=torch.float32)
        with torch.no_grad():
            expected = full_vocab_logprobs(backend.model, tokens, attention) * mask
            for chunk in (1, 3, 1000):
                got, _ = completion_logprobs(backend.model, tokens, attention, mask, chunk)
                torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)

    def test_a_step_never_runs_the_full_model_head_over_the_batch(self):
        rows = rows_of_different_lengths()
        backend = self.backend(rows)

        def refuse(*_args, **_kwargs):
            raise AssertionError("the full causal-LM forward (all-position logits) ran")

        backend.model.get_base_model().forward = refuse
        metrics = backend.step(rows, 0.01)
        self.assertGreater(metrics["grad_norm"], 0.0)

    def test_gradient_checkpointing_runs_in_every_step(self):
        rows = rows_of_different_lengths()
        backend = self.backend(rows)
        layers = [m for m in backend.model.modules() if hasattr(m, "_gradient_checkpointing_func") and type(m).__name__.endswith("DecoderLayer")]
        self.assertEqual(len(layers), 2)
        calls = []
        for layer in layers:
            original = layer._gradient_checkpointing_func
            layer._gradient_checkpointing_func = lambda *a, _original=original, **k: calls.append(1) or _original(*a, **k)
        for _ in range(2):
            calls.clear()
            metrics = backend.step(rows, 0.01)
            # Two layers × two micro-batches of two rows, every step.
            self.assertEqual((len(calls), metrics["micro_batches"]), (4, 2))

    def assert_micro_batches_match_one_pass(self, rows, **overrides):
        single = self.backend(rows, dict(RUNTIME, micro_batch_size=len(rows)), **overrides)
        split = self.backend(rows, dict(RUNTIME, micro_batch_size=1), **overrides)
        for backend in (single, split):
            # Compare gradients, not updated weights: Adam's first step is ≈ lr·sign(g), which turns float noise
            # on near-zero gradients into lr-sized differences.
            backend.optimizer.step = lambda: None
        got = [backend.step(rows, 0.01) for backend in (single, split)]
        self.assertEqual((got[0]["micro_batches"], got[1]["micro_batches"]), (1, len(rows)))
        for name in ("loss", "grad_norm"):
            self.assertAlmostEqual(got[0][name], got[1][name], delta=1e-5, msg=name)
        compared = 0
        for (name, a), b in zip(single.model.named_parameters(), split.model.parameters()):
            if a.requires_grad:
                torch.testing.assert_close(a.grad, b.grad, atol=1e-6, rtol=1e-4, msg=name)
                compared += 1
        self.assertGreater(compared, 0)

    def test_micro_batches_accumulate_to_the_full_batch_gradient_for_every_aggregation(self):
        rows = rows_of_different_lengths()
        for agg in ("token_mean", "seq_mean_token_mean", "constant", "token_sum"):
            with self.subTest(agg=agg):
                self.assert_micro_batches_match_one_pass(rows, **{"loss.kind": "ppo_clip", "loss.agg": agg})

    def test_micro_batches_match_one_pass_for_ppo_gae_and_dpo(self):
        rows = rows_of_different_lengths()
        for row in rows:
            row["rewards"] = [0.0] * (len(row["tokens"]) - 1) + [row.pop("advantages")[-1]]
        self.assert_micro_batches_match_one_pass(rows, **{"loss.kind": "ppo_gae"})
        pairs = [{"group": "g", "chosen": {"tokens": a["tokens"], "mask": a["mask"]}, "rejected": {"tokens": b["tokens"], "mask": b["mask"]},
                  "ref_lp_chosen": None, "ref_lp_rejected": None} for a, b in zip(rows, rows[1:] + rows[:1])]
        self.assert_micro_batches_match_one_pass(pairs, **{"loss.kind": "dpo"})

    def test_first_step_ratio_is_one_and_sampler_disagreement_is_reported(self):
        rows = rows_of_different_lengths()
        for row in rows:
            row["sampler_logprobs"] = [-1.0] * len(row["tokens"])  # far from the trainer: must not leak into ratios
        job_path, _ = tiny_job(self.dir, rows, **{"loss.kind": "ppo_clip"})
        result = run_job(job_path, backend="torch", tiny_random=True, log=quiet)
        first = json.loads((Path(result["adapter_dir"]) / "metrics.jsonl").read_text().splitlines()[0])
        self.assertAlmostEqual(first["ratio_mean"], 1.0, delta=1e-4)
        self.assertLess(first["logratio_abs_max"], 1e-4)
        self.assertEqual(first["clipfrac"], 0.0)
        trainer_sum = sum(completion_sums(None, [(r["tokens"], r["mask"]) for r in rows]))
        n_tokens = sum(sum(r["mask"]) for r in rows)
        self.assertAlmostEqual(result["metrics"]["sampler_lp_diff_mean"], -1.0 - trainer_sum / n_tokens, delta=1e-4)

    def test_saved_adapter_reloads_with_peft_and_reproduces_the_trainer(self):
        from peft import PeftModel

        from .torch_helpers import tiny_base

        rows = rows_of_different_lengths()
        backend = self.backend(rows, **{"loss.kind": "is"})
        for _ in range(3):
            backend.step(rows, 0.01)
        with torch.no_grad():
            trained, _ = backend.forward([r["tokens"] for r in rows], [r["mask"] for r in rows])
        backend.save(self.dir)
        with safe_open(str(self.dir / "adapter_model.safetensors"), "pt") as handle:
            names = list(handle.keys())
        self.assertTrue(any("experts" in name for name in names) and any("q_proj" in name for name in names), names)
        reloaded = PeftModel.from_pretrained(tiny_base(), str(self.dir)).eval()
        for index, row in enumerate(rows):
            ids = torch.tensor([row["tokens"]])
            with torch.no_grad():
                served = full_vocab_logprobs(reloaded, ids, torch.ones_like(ids))[0] * torch.tensor(row["mask"])
            torch.testing.assert_close(served, trained[index, : len(row["tokens"])], atol=1e-5, rtol=0)
        self.assertGreater(float((trained - backend.before[id(rows[0])]["logprobs"].sum()).abs().max()), 1e-3)

    def test_refuses_targets_that_match_nothing_and_tokens_outside_the_vocabulary(self):
        rows = rows_of_different_lengths()
        cases = [
            ({"lora.target_modules": ["q_proj", "qkv_proj"]}, rows, r"job\.lora\.target_modules: 'qkv_proj' matches no module"),
            ({"lora.target_modules": "model\\..*\\.gate_proj"}, rows, r"job\.lora\.target_modules: the pattern .* matches no module"),
            ({"lora.target_parameters": ["mlp.experts.up_proj"]}, rows, r"job\.lora\.target_parameters: 'mlp\.experts\.up_proj' matches no parameter"),
            ({}, [dict(rows[0], tokens=[1, 2, 5000], mask=[0, 1, 1], sampler_logprobs=[0.0] * 3, advantages=[0.0] * 3)], r"rows\[0\]\.tokens: token id 5000 is outside"),
        ]
        for overrides, batch, message in cases:
            with self.subTest(message=message):
                job_path, _ = tiny_job(self.dir, copy.deepcopy(batch), **overrides)
                with self.assertRaisesRegex(SchemaError, message):
                    run_job(job_path, backend="torch", tiny_random=True, log=quiet)

    def test_feedback_agent_hyperparams_are_applied_and_recorded(self):
        rows = rows_of_different_lengths()
        job_path, _ = tiny_job(self.dir, rows, hyperparams={"micro_batch_size": 1, "epochs": 2, "lr": 0.005})
        result = run_job(job_path, backend="torch", tiny_random=True, log=quiet)
        metrics = [json.loads(line) for line in (Path(result["adapter_dir"]) / "metrics.jsonl").read_text().splitlines()]
        self.assertEqual([(m["micro_batches"], m["lr"]) for m in metrics], [(4, 0.005), (4, 0.005)])
        self.assertEqual((result["profile"], result["hyperparams"]["lr"], result["hyperparams"]["epochs"]), ("tiny-gpt-oss", 0.005, 2))
        self.assertEqual(result["hyperparams_overrides"], {"micro_batch_size": 1, "epochs": 2, "lr": 0.005})


if __name__ == "__main__":
    unittest.main()
