"""Every loss kind trains the tiny random gpt-oss a few steps through the worker and moves the sampled tokens'
logprobs the intended way, measured on the saved adapter loaded with peft.PeftModel.from_pretrained."""
import importlib.util
import json
import tempfile
import unittest
from pathlib import Path

TORCH_MISSING = importlib.util.find_spec("torch") is None or importlib.util.find_spec("peft") is None
if not TORCH_MISSING:
    from sia_worker.worker import run_job

    from .torch_helpers import completion_sums, quiet, text_row, tiny_job

PROMPT = "Q: 2+2? A:"
# Entropic advantages of TTT-Discover for rewards [0, 0, 0, 1] at the adaptive β (training-anchors.md §1.8).
ENTROPIC = [-0.797963, -0.797963, -0.797963, 11.848729]


def pair(row):
    return row["tokens"], row["mask"]


@unittest.skipIf(TORCH_MISSING, "torch/peft are not installed: run these with gpu/.venv/bin/python (bash gpu/venv.sh)")
class TorchTrainingDirectionTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sia-torch-"))

    def train(self, rows, **overrides):
        job_path, _ = tiny_job(self.dir, rows, **overrides)
        result = run_job(job_path, backend="torch", tiny_random=True, log=quiet)
        metrics = [json.loads(line) for line in (Path(result["adapter_dir"]) / "metrics.jsonl").read_text().splitlines()]
        return result, metrics

    def before_after(self, result, sequences):
        return completion_sums(None, sequences), completion_sums(result["adapter_dir"], sequences)

    def assert_moves(self, result, rising, falling):
        before, after = self.before_after(result, [pair(r) for r in rising + falling])
        for index in range(len(rising)):
            self.assertGreater(after[index], before[index] + 0.05, f"rising row {index}")
        for index in range(len(rising), len(rising) + len(falling)):
            self.assertLess(after[index], before[index] - 0.05, f"falling row {index}")

    def test_grpo_importance_sampling_raises_positive_and_lowers_negative_advantage(self):
        good, bad = text_row(PROMPT, " 4", 1.0, "good"), text_row(PROMPT, " 5", -1.0, "bad")
        result, metrics = self.train([good, bad], **{"loss.kind": "is"})
        self.assertAlmostEqual(metrics[0]["ratio_mean"], 1.0, delta=1e-4)
        self.assert_moves(result, [good], [bad])

    def test_entropic_advantages_lift_the_rare_winner(self):
        rows = [text_row(PROMPT, text, a, f"t{i}") for i, (text, a) in enumerate(zip(["a", "b", "c", "d"], ENTROPIC))]
        result, _ = self.train(rows, **{"loss.kind": "is"})
        self.assert_moves(result, [rows[3]], [])
        # The losers' pull (−0.8 each) is small beside the winner's (+11.8), so on this random model a loser's own
        # logprob may drift either way; what entropic weighting must do is move mass from every loser to the winner.
        before, after = self.before_after(result, [pair(row) for row in rows])
        for loser in range(3):
            self.assertLess(after[loser] - after[3], before[loser] - before[3] - 0.1, f"loser {loser} vs the winner")

    def test_reinforce_with_kl_in_the_loss_reports_kl_to_the_base(self):
        good, bad = text_row(PROMPT, " 4", 1.0, "good"), text_row(PROMPT, " 5", -1.0, "bad")
        result, metrics = self.train([good, bad], **{"loss.kind": "is", "loss.kl": {"coef": 0.1, "estimator": "k3", "where": "loss"}})
        # Step 1 runs at the base (B = 0): KL exactly 0; once the adapter moved, the reference differs.
        self.assertAlmostEqual(metrics[0]["kl"], 0.0, delta=1e-6)
        self.assertGreater(metrics[-1]["kl"], 1e-4)
        self.assert_moves(result, [good], [bad])

    def test_ppo_gae_trains_policy_and_value_head(self):
        # Distinct second tokens: the critic sees different states there, so it can fit both returns.
        rewarded, unrewarded = text_row(PROMPT, "4!", 0.0, "good"), text_row(PROMPT, "5?", 0.0, "bad")
        for row, reward in ((rewarded, 1.0), (unrewarded, -1.0)):
            del row["advantages"]
            row["rewards"] = [0.0] * (len(row["tokens"]) - 1) + [reward]
        gae = {"gamma": 1.0, "lam": 0.95, "vf_coef": 0.5, "clip_value": 1.0}
        result, metrics = self.train([rewarded, unrewarded], **{"loss.kind": "ppo_gae", "loss.gae": gae})
        self.assertTrue((Path(result["adapter_dir"]) / "value_head.safetensors").exists())
        self.assertLess(metrics[-1]["vf_loss"], metrics[0]["vf_loss"])
        self.assert_moves(result, [rewarded], [unrewarded])

    def test_dpo_widens_the_margin_over_the_reference(self):
        chosen, rejected = text_row(PROMPT, " 4", 0, "c"), text_row(PROMPT, " 5", 0, "r")
        row = {"group": "g", "chosen": {"tokens": chosen["tokens"], "mask": chosen["mask"]},
               "rejected": {"tokens": rejected["tokens"], "mask": rejected["mask"]}, "ref_lp_chosen": None, "ref_lp_rejected": None}
        result, metrics = self.train([row], **{"loss.kind": "dpo", "loss.dpo_beta": 0.5})
        self.assertGreater(metrics[-1]["margin"], metrics[0]["margin"])
        before, after = self.before_after(result, [pair(chosen), pair(rejected)])
        self.assertGreater(after[0] - after[1], before[0] - before[1] + 0.1)

    def test_behaviour_cloning_raises_the_kept_completion(self):
        kept = text_row(PROMPT, " 4 because 2+2=4", 1.0, "kept")
        del kept["advantages"]
        result, metrics = self.train([kept], **{"loss.kind": "cross_entropy"})
        self.assertLess(metrics[-1]["loss"], metrics[0]["loss"])
        self.assert_moves(result, [kept], [])


if __name__ == "__main__":
    unittest.main()
