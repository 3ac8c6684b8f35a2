"""The CPU "toy" backend: a bigram table policy with a LoRA on its table, in pure numpy.

logits(next | prev) = W0[:, prev] + (α/r)·B·A[:, prev], with W0 a fixed random "base model" seeded by the base
model's name, A (r×V) and B (V×r) the adapter (PEFT init: A random, B zero), and a value table for ppo_gae.
It exists so the subprocess/Modal paths train a real adapter on machines without torch: the loss is
losses.py on numpy, its gradient with respect to logprobs/values is taken by central differences, and the
chain rule through the softmax table is analytic (checked against finite differences in gpu/tests)."""
import hashlib
import json

import numpy as np

from . import losses
from .array_ops import NumpyOps
from .batch import pad_preference_rows, pad_sequence_rows
from .safetensors_io import load_file, save_file

LORA_A = "base_model.model.lm_head.lora_A.weight"
LORA_B = "base_model.model.lm_head.lora_B.weight"
VALUE_HEAD = "value_head.weight"
MAX_VOCAB = 4096
DIFFERENCE_STEP = 1e-6


def toy_vocab_size(rows):
    largest = 0
    for row in rows:
        for sequence in ([row["tokens"]] if "tokens" in row else [row["chosen"]["tokens"], row["rejected"]["tokens"]]):
            largest = max([largest, *sequence])
    if largest >= MAX_VOCAB:
        raise ValueError(f"rows: token id {largest} is too large for the toy backend (< {MAX_VOCAB}); use --backend torch")
    return max(16, 1 << int(largest).bit_length())


class ToyBackend:
    name = "toy"

    def __init__(self, job, rows, adapter_in_dir=None):
        self.job, self.ops = job, NumpyOps()
        self.rank = job["lora"]["rank"]
        self.scaling = job["lora"]["alpha"] / self.rank
        vocab = toy_vocab_size(rows)
        init = np.random.default_rng(job["optim"]["seed"])
        self.params = {"A": init.uniform(-1, 1, (self.rank, vocab)) / np.sqrt(vocab), "B": np.zeros((vocab, self.rank)), "v": np.zeros(vocab)}
        if adapter_in_dir is not None:
            self._load(adapter_in_dir, vocab)
        vocab = self.params["A"].shape[1]
        base_seed = int.from_bytes(hashlib.sha256(job["base_model"].encode()).digest()[:8], "little")
        self.base_table_t = np.random.default_rng(base_seed).normal(0.0, 1.0, (vocab, vocab))  # [prev, next]
        self.start_values = self.params["v"].copy()
        self.moments = {k: (np.zeros_like(p), np.zeros_like(p)) for k, p in self.params.items()}
        self.steps_taken = 0

    def _load(self, directory, vocab):
        tensors = load_file(directory / "adapter_model.safetensors")
        a, b = tensors[LORA_A].astype(np.float64), tensors[LORA_B].astype(np.float64)
        if a.shape[0] != self.rank:
            raise ValueError(f"adapter_in: rank {a.shape[0]} differs from lora.rank {self.rank}")
        size = max(vocab, a.shape[1])
        self.params["A"] = np.pad(a, ((0, 0), (0, size - a.shape[1])))
        self.params["B"] = np.pad(b, ((0, size - b.shape[0]), (0, 0)))
        self.params["v"] = np.zeros(size)
        value_file = directory / "value_head.safetensors"
        if value_file.exists():
            values = load_file(value_file)[VALUE_HEAD].astype(np.float64)
            self.params["v"][: len(values)] = values

    # --- forward / backward through the table ---------------------------------------------------------------
    def forward(self, tokens, with_adapter=True):
        previous = np.concatenate([np.zeros_like(tokens[:, :1]), tokens[:, :-1]], axis=1)  # token 0 acts as BOS
        hidden = self.params["A"].T[previous]
        logits = self.base_table_t[previous] + (self.scaling * hidden @ self.params["B"].T if with_adapter else 0.0)
        logits = logits - logits.max(axis=-1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        chosen = np.take_along_axis(log_probs, tokens[..., None], axis=-1)[..., 0]
        return chosen, {"previous": previous, "hidden": hidden, "probs": np.exp(log_probs), "tokens": tokens}

    def backward(self, cache, grad_logprobs, grads):
        vocab = cache["probs"].shape[-1]
        onehot = np.eye(vocab)[cache["tokens"]]
        grad_logits = grad_logprobs[..., None] * (onehot - cache["probs"])
        grads["B"] += self.scaling * np.einsum("ntv,ntk->vk", grad_logits, cache["hidden"])
        grad_hidden = self.scaling * grad_logits @ self.params["B"]
        grad_a_t = np.zeros_like(self.params["A"].T)
        np.add.at(grad_a_t, cache["previous"], grad_hidden)
        grads["A"] += grad_a_t.T

    # --- one optimizer step -----------------------------------------------------------------------------------
    def step(self, rows, learning_rate):
        spec = self.job["loss"]
        grads = {k: np.zeros_like(p) for k, p in self.params.items()}
        if spec["kind"] == "dpo":
            loss, metrics, n_tokens = self._preference_step(rows, spec, grads)
        else:
            loss, metrics, n_tokens = self._sequence_step(rows, spec, grads)
        grad_norm = self._apply(grads, learning_rate)
        return dict(metrics, loss=loss, grad_norm=grad_norm, n_tokens=n_tokens)

    def _sequence_step(self, rows, spec, grads):
        arrays = pad_sequence_rows(rows)
        logprobs, cache = self.forward(arrays["tokens"])
        previous = cache["previous"]
        values = self.params["v"][previous]
        batch = {k: v for k, v in arrays.items() if k != "tokens"}
        batch["old_values"] = self.start_values[previous]

        has_critic = spec["kind"] == "ppo_gae"  # only ppo_gae reads (and trains) the value table

        def loss_of(point):
            critic = {"values": point[1]} if has_critic else {}
            return losses.sequence_loss(self.ops, spec, dict(batch, logprobs=point[0], **critic))

        loss, metrics, gradients = _loss_and_gradient(loss_of, [logprobs, values] if has_critic else [logprobs])
        self.backward(cache, gradients[0], grads)
        if has_critic:
            np.add.at(grads["v"], previous, gradients[1])
        return loss, metrics, int(arrays["mask"].sum())

    def _preference_step(self, rows, spec, grads):
        arrays = pad_preference_rows(rows)
        sides = {side: self.forward(arrays[side]["tokens"]) for side in ("chosen", "rejected")}
        masks = {side: arrays[side]["mask"] for side in sides}
        reference = {
            side: arrays[f"ref_lp_{side}"] if f"ref_lp_{side}" in arrays else (self.forward(arrays[side]["tokens"], False)[0] * masks[side]).sum(1)
            for side in sides
        }

        def loss_of(point):
            chosen, rejected = ((point[i] * masks[s]).sum(1) for i, s in enumerate(("chosen", "rejected")))
            return losses.dpo_loss(self.ops, chosen, rejected, reference["chosen"], reference["rejected"], spec["dpo_beta"])

        loss, metrics, gradients = _loss_and_gradient(loss_of, [sides["chosen"][0], sides["rejected"][0]])
        for (side, (_, cache)), grad in zip(sides.items(), gradients):
            self.backward(cache, grad, grads)
        return loss, metrics, int(sum(m.sum() for m in masks.values()))

    def _apply(self, grads, learning_rate):
        """AdamW with global-norm clipping; returns the norm before clipping."""
        optim = self.job["optim"]
        norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
        scale = min(1.0, optim["grad_clip"] / (norm + 1e-12)) if optim["grad_clip"] > 0 else 1.0
        self.steps_taken += 1
        for key, param in self.params.items():
            first, second = self.moments[key]
            grad = grads[key] * scale
            first[:] = optim["beta1"] * first + (1 - optim["beta1"]) * grad
            second[:] = optim["beta2"] * second + (1 - optim["beta2"]) * grad * grad
            first_hat = first / (1 - optim["beta1"] ** self.steps_taken)
            second_hat = second / (1 - optim["beta2"] ** self.steps_taken)
            param -= learning_rate * (first_hat / (np.sqrt(second_hat) + optim["eps"]) + optim["weight_decay"] * param)
        return norm

    def save(self, directory):
        lora = self.job["lora"]
        save_file({LORA_A: self.params["A"].astype(np.float32), LORA_B: self.params["B"].astype(np.float32)}, directory / "adapter_model.safetensors", {"format": "pt"})
        config = {
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": self.job["base_model"],
            "revision": self.job["base_revision"], "r": self.rank, "lora_alpha": lora["alpha"], "lora_dropout": lora["dropout"],
            "target_modules": ["lm_head"], "bias": "none", "fan_in_fan_out": False, "inference_mode": True,
        }
        (directory / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
        if self.job["loss"]["kind"] == "ppo_gae":
            save_file({VALUE_HEAD: self.params["v"].astype(np.float32)}, directory / "value_head.safetensors")


def _loss_and_gradient(loss_of, point):
    """The loss at `point` (a list of arrays) and its gradient by central differences, entry by entry."""
    loss, metrics = loss_of(point)
    gradients = []
    for index, array in enumerate(point):
        gradient = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            shifted = [p.copy() for p in point]
            shifted[index][position] += DIFFERENCE_STEP
            up = float(loss_of(shifted)[0])
            shifted[index][position] -= 2 * DIFFERENCE_STEP
            down = float(loss_of(shifted)[0])
            gradient[position] = (up - down) / (2 * DIFFERENCE_STEP)
        gradients.append(gradient)
    return float(loss), metrics, gradients
