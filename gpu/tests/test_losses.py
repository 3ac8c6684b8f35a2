"""Golden vectors of reference/training-anchors.md §1 against gpu/sia_worker/losses.py, at 1e-6 in float64.

Every vector of the losses the worker computes (§1.1 GAE/whitening, §1.2 PPO ratios, per-token losses, value
loss, §1.3 Dr.GRPO divisor, §1.5 KL estimators and KL-in-reward returns, §1.6 DPO, §1.7 BC, §1.9 Tinker sums);
the advantage estimators (GRPO, RLOO, entropic, RS-GRPO) run in TypeScript and are checked there. The same
cases run on numpy (always) and on torch (gpu/.venv; tests/gpu-torch.int.test.ts fails if they were skipped)."""
import importlib.util
import unittest

import numpy as np

from sia_worker import losses
from sia_worker.array_ops import NumpyOps, TorchOps

TORCH_MISSING = importlib.util.find_spec("torch") is None
SPEC = {
    "kind": "ppo_clip", "clip_low": 0.2, "clip_high": 0.2, "agg": "token_mean", "agg_constant": None,
    "kl": {"coef": 0.0, "estimator": "k3", "where": "loss"}, "dpo_beta": 0.1,
    "gae": {"gamma": 1.0, "lam": 0.95, "vf_coef": 0.1, "clip_value": 0.2},
}


class LossGoldens:
    """Mixed into one TestCase per array library; `make_ops` picks the library."""

    def setUp(self):
        self.ops = self.make_ops()

    def arr(self, values):
        return self.ops.asarray(values)

    def close(self, actual, expected, tolerance=1e-6):
        actual = np.asarray([float(v) for v in np.ravel(np.asarray(self.to_numpy(actual)))])
        np.testing.assert_allclose(actual, np.ravel(np.asarray(expected, dtype=float)), atol=tolerance)

    def to_numpy(self, value):
        return value.detach().numpy() if hasattr(value, "detach") else value

    def test_aggregation_modes_differ_as_in_the_table(self):
        per_token = self.arr([[1, 2, 3, 0], [4, 0, 0, 0]])
        mask = self.arr([[1, 1, 1, 0], [1, 0, 0, 0]])
        expected = {"seq_mean_token_mean": 3.0, "token_mean": 2.5, "constant": 1.25, "token_sum": 10.0}
        for agg, value in expected.items():
            self.close(losses.aggregate(self.ops, per_token, mask, agg), value)

    def test_gae_and_returns(self):
        rewards, values, mask = self.arr([[0, 0, 1]]), self.arr([[0.5, 0.6, 0.7]]), self.arr([[1, 1, 1]])
        cases = [
            (1.0, 0.95, [0.46575, 0.385, 0.3], [0.96575, 0.985, 1.0]),
            (0.99, 0.95, [0.446829, 0.37515, 0.3], [0.946829, 0.97515, 1.0]),
            (1.0, 1.0, [0.5, 0.4, 0.3], [1.0, 1.0, 1.0]),
        ]
        for gamma, lam, advantages, returns in cases:
            got_advantages, got_returns = losses.gae(self.ops, rewards, values, mask, gamma, lam)
            self.close(got_advantages, advantages)
            self.close(got_returns, returns)
        advantages, _ = losses.gae(self.ops, rewards, values, mask, 1.0, 0.95)
        self.close(losses.whiten(self.ops, advantages, mask), [0.991344, 0.017092, -1.008436])

    def test_gae_ignores_padding_after_the_last_token(self):
        rewards, values = self.arr([[0, 1, 5]]), self.arr([[0.5, 0.6, 9.0]])
        advantages, _ = losses.gae(self.ops, rewards, values, self.arr([[1, 1, 0]]), 1.0, 1.0)
        self.close(advantages[0, :2], [0.5, 0.4])

    def test_ppo_clip_policy_loss(self):
        lp, old = self.arr([[-1, -0.5, -2, -0.1]]), self.arr([[-1.2, -0.5, -1.5, -0.6]])
        advantages, mask = self.arr([[1, -1, -0.5, 2]]), self.arr([[1, 1, 1, 1]])
        loss, metrics = losses.policy_gradient_loss(self.ops, "ppo_clip", lp, old, advantages, mask, 0.2, 0.2, "token_mean")
        self.close(loss, -0.55)
        self.assertAlmostEqual(metrics["clipfrac"], 0.75)

    def one_hot(self, width, index):
        return self.arr([[1.0 if column == index else 0.0 for column in range(width)]])

    def test_ppo_clip_per_token_ratios_and_losses(self):
        lp, old = self.arr([[-1, -0.5, -2, -0.1]]), self.arr([[-1.2, -0.5, -1.5, -0.6]])
        advantages = self.arr([[1, -1, -0.5, 2]])
        for index, (ratio, per_token) in enumerate(zip([1.221403, 1, 0.606531, 1.648721], [-1.2, 1.0, 0.4, -2.4])):
            loss, metrics = losses.policy_gradient_loss(self.ops, "ppo_clip", lp, old, advantages, self.one_hot(4, index), 0.2, 0.2, "token_sum")
            self.close(loss, per_token)
            self.close(metrics["ratio_mean"], ratio)

    def test_tinker_ratios(self):
        lp, old, advantages = self.arr([[-0.9, -0.8]]), self.arr([[-1.0, -0.7]]), self.arr([[0.5, 0.5]])
        for index, ratio in enumerate([1.105171, 0.904837]):
            _, metrics = losses.policy_gradient_loss(self.ops, "is", lp, old, advantages, self.one_hot(2, index), 0.2, 0.2, "token_sum")
            self.close(metrics["ratio_mean"], ratio)

    def test_value_loss_per_token(self):
        values, old, returns = self.arr([[0.9, 0.2]]), self.arr([[0.5, 0.5]]), self.arr([[1, 0]])
        for index in range(2):
            loss, metrics = losses.value_loss(self.ops, values, old, returns, self.one_hot(2, index), 0.2, "token_sum")
            self.close(loss, 0.5 * 0.09)
        # v̂ = [0.7, 0.3]: its error (0.09) exceeds the unclipped one (0.01, 0.04) at both tokens, so both count as clipped.
        self.assertAlmostEqual(metrics["vf_clipfrac"], 1.0)

    def test_reinforce_with_kl_folded_into_the_reward(self):
        lp, ref = self.arr([[-1, -2, -0.3]]), self.arr([[-1.5, -1, -0.3]])
        rewards = self.arr([[0, 0, 1]]) - 0.1 * losses.kl_penalty(self.ops, lp, ref, "k1")
        self.close(rewards, [-0.05, 0.1, 1.0])
        # Returns-to-go G_t (γ = 1) are GAE with V = 0 and λ = 1.
        returns, _ = losses.gae(self.ops, rewards, 0.0 * rewards, self.arr([[1, 1, 1]]), 1.0, 1.0)
        self.close(returns, [1.05, 1.1, 1.0])

    def test_dpo_implicit_rewards(self):
        cases = [((-10, -12, -11, -11), 0.1, 0.1, -0.1), ((-10, -12, -11, -11), 0.5, 0.5, -0.5), ((-12, -10, -11, -11), 0.1, -0.1, 0.1)]
        for values, beta, chosen_reward, rejected_reward in cases:
            _, metrics = losses.dpo_loss(self.ops, *(self.arr([v]) for v in values), beta)
            self.close(metrics["chosen_reward"], chosen_reward)
            self.close(metrics["rejected_reward"], rejected_reward)

    def test_dr_grpo_constant_divisor(self):
        per_token, mask = self.arr([[1, 2, 3, 0], [4, 0, 0, 0]]), self.arr([[1, 1, 1, 0], [1, 0, 0, 0]])
        self.close(losses.aggregate(self.ops, per_token, mask, "constant", 8), 1.25)
        self.close(losses.aggregate(self.ops, per_token, mask, "constant", 4), 2.5)

    def test_tinker_importance_sampling_and_ppo_sums(self):
        lp, old = self.arr([[-0.9, -0.8]]), self.arr([[-1.0, -0.7]])
        advantages, mask = self.arr([[0.5, 0.5]]), self.arr([[1, 1]])
        for kind in ("is", "ppo_clip"):
            loss, _ = losses.policy_gradient_loss(self.ops, kind, lp, old, advantages, mask, 0.2, 0.2, "token_sum")
            self.close(loss, -1.005004)

    def test_value_loss(self):
        loss, _ = losses.value_loss(self.ops, self.arr([[0.9, 0.2]]), self.arr([[0.5, 0.5]]), self.arr([[1, 0]]), self.arr([[1, 1]]), 0.2, "token_mean")
        self.close(loss, 0.045)

    def test_kl_estimators(self):
        lp, ref = self.arr([[-1, -2, -0.3]]), self.arr([[-1.5, -1, -0.3]])
        expected = {"k1": [0.5, -1, 0], "k2": [0.125, 0.5, 0], "k3": [0.106531, 0.718282, 0]}
        for estimator, values in expected.items():
            self.close(losses.kl_penalty(self.ops, lp, ref, estimator), values)

    def test_dpo(self):
        cases = [((-10, -12, -11, -11), 0.1, 0.598139), ((-10, -12, -11, -11), 0.5, 0.313262), ((-12, -10, -11, -11), 0.1, 0.798139)]
        for (chosen, rejected, ref_chosen, ref_rejected), beta, expected in cases:
            loss, metrics = losses.dpo_loss(self.ops, *(self.arr([v]) for v in (chosen, rejected, ref_chosen, ref_rejected)), beta)
            self.close(loss, expected)
        _, metrics = losses.dpo_loss(self.ops, self.arr([-10]), self.arr([-12]), self.arr([-11]), self.arr([-11]), 0.1)
        self.assertAlmostEqual(metrics["chosen_reward"], 0.1)
        self.assertAlmostEqual(metrics["rejected_reward"], -0.1)

    def test_best_of_n_cross_entropy(self):
        lp = self.arr([[-0.5, -1.0, 0.0], [-0.2, -0.4, -0.6]])
        mask = self.arr([[1, 1, 0], [1, 1, 1]])
        expected = {"token_mean": 0.54, "seq_mean_token_mean": 0.575, "token_sum": 2.7}
        for agg, value in expected.items():
            self.close(losses.cross_entropy_loss(self.ops, lp, mask, agg), value)

    def test_sequence_loss_adds_kl_only_where_loss(self):
        batch = {
            "logprobs": self.arr([[-1, -2, -0.3]]), "sampler_logprobs": self.arr([[-1, -2, -0.3]]),
            "advantages": self.arr([[0, 0, 0]]), "mask": self.arr([[1, 1, 1]]), "ref_logprobs": self.arr([[-1.5, -1, -0.3]]),
        }
        in_loss = dict(SPEC, kind="is", agg="token_sum", kl={"coef": 0.1, "estimator": "k3", "where": "loss"})
        in_reward = dict(in_loss, kl={"coef": 0.1, "estimator": "k3", "where": "reward"})
        loss, metrics = losses.sequence_loss(self.ops, in_loss, batch)
        self.close(loss, 0.1 * (0.106531 + 0.718282))
        self.assertAlmostEqual(metrics["kl"], (0.106531 + 0.718282) / 3, places=6)
        loss, _ = losses.sequence_loss(self.ops, in_reward, batch)
        self.close(loss, 0.0)

    def test_ppo_gae_total_combines_policy_and_value_terms(self):
        batch = {
            "logprobs": self.arr([[-1, -0.5, -2]]), "sampler_logprobs": self.arr([[-1, -0.5, -2]]), "mask": self.arr([[1, 1, 1]]),
            "rewards": self.arr([[0, 0, 1]]), "values": self.arr([[0.5, 0.6, 0.7]]), "old_values": self.arr([[0.5, 0.6, 0.7]]),
        }
        loss, metrics = losses.sequence_loss(self.ops, dict(SPEC, kind="ppo_gae"), batch)
        # Ratio 1: pg = −mean(whitened A) ≈ 0; value error (R − V)² per token from the GAE golden.
        value_term = 0.5 * np.mean(np.square([0.46575, 0.385, 0.3]))
        self.close(metrics["vf_loss"], value_term)
        self.close(loss, 0.1 * value_term, 1e-6)


class NumpyLossGoldensTest(LossGoldens, unittest.TestCase):
    make_ops = staticmethod(NumpyOps)


@unittest.skipIf(TORCH_MISSING, "torch is not installed: the torch half of the golden vectors did not run (numpy half did)")
class TorchLossGoldensTest(LossGoldens, unittest.TestCase):
    make_ops = staticmethod(TorchOps)

    def test_gradients_flow_through_the_ppo_loss(self):
        import torch

        lp = torch.tensor([[-1.0, -0.5]], dtype=torch.float64, requires_grad=True)
        loss, _ = losses.policy_gradient_loss(self.ops, "ppo_clip", lp, self.arr([[-1.0, -0.5]]), self.arr([[1.0, -1.0]]), self.arr([[1, 1]]), 0.2, 0.2, "token_sum")
        loss.backward()
        # d(−A·ρ)/d lp = −A·ρ = −A at ρ = 1: high-advantage tokens gain probability mass.
        self.assertEqual(lp.grad.tolist(), [[-1.0, 1.0]])

    def test_dpo_gradient_weight_is_sigma_of_minus_z(self):
        import torch

        chosen = torch.tensor([-10.0], dtype=torch.float64, requires_grad=True)
        loss, _ = losses.dpo_loss(self.ops, chosen, self.arr([-12]), self.arr([-11]), self.arr([-11]), 0.1)
        loss.backward()
        # dL/d lp_w = −β·σ(−z) with σ(−z) = 0.450166 (training-anchors.md §1.6).
        self.close(chosen.grad, [-0.1 * 0.450166])


if __name__ == "__main__":
    unittest.main()
