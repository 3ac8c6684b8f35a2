"""One optimizer step of the torch backend: micro-batches with gradient accumulation, equal to one full pass.

Each micro-batch's loss is scaled by its share of the minibatch's normaliser (tokens for token_mean, rows for
seq_mean_token_mean and DPO, 1 for sums and for `constant`, whose divisor is fixed from the whole minibatch), so
the accumulated gradient is the full-batch gradient while activations exist for one micro-batch at a time."""
from . import losses
from .batch import pad_sequence_rows

LOSS_TERMS = ("loss", "pg_loss", "vf_loss")  # aggregated like the loss: scaled by the share and summed
DPO_MEANS = ("chosen_reward", "rejected_reward", "margin", "accuracy")


class TorchSteps:
    """Mixed into TorchBackend; needs self.forward, self.micro_batches, self.before, self.optimizer, self.job."""

    def step(self, rows, learning_rate):
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        self.optimizer.zero_grad(set_to_none=True)
        spec = self.job["loss"]
        metrics = self._preference_step(rows, spec) if spec["kind"] == "dpo" else self._sequence_step(rows, spec)
        clip = self.job["optim"]["grad_clip"]
        grad_norm = self.torch.nn.utils.clip_grad_norm_(self.parameters, clip if clip > 0 else float("inf"))
        self.optimizer.step()
        return dict(metrics, grad_norm=float(grad_norm), micro_batches=len(self.micro_batches(rows)))

    def _padded(self, tensors, length):
        out = self.torch.zeros((len(tensors), length), dtype=self.torch.float32, device=self.device)
        for index, values in enumerate(tensors):
            out[index, : len(values)] = values.to(self.device)
        return out

    def _gae_terms(self, rows, mask, spec):
        """Whitened GAE advantages and returns over the whole minibatch, from the critic's values before the job."""
        length = mask.shape[1]
        old_values = self._padded([self.before[id(row)]["values"] for row in rows], length)
        rewards = self._tensor(pad_sequence_rows(rows)["rewards"])
        advantages, returns = losses.gae(self.ops, rewards, old_values, mask, spec["gae"]["gamma"], spec["gae"]["lam"])
        return losses.whiten(self.ops, advantages, mask), returns

    def _sequence_step(self, rows, spec):
        full_mask = self._tensor(pad_sequence_rows(rows)["mask"])
        n_tokens = float(full_mask.sum())
        rows_with_tokens = float((full_mask.sum(1) > 0).sum())
        # Dr.GRPO's default divisor is rows × padded length of the whole minibatch, not of one micro-batch.
        spec = dict(spec, agg_constant=spec["agg_constant"] or float(full_mask.shape[0] * full_mask.shape[1]))
        gae_terms = self._gae_terms(rows, full_mask, spec) if spec["kind"] == "ppo_gae" else None
        totals, offset, logratio_max = {}, 0, 0.0
        for part in self.micro_batches(rows):
            arrays = pad_sequence_rows(part)
            length = arrays["mask"].shape[1]
            logprobs, values = self.forward([r["tokens"] for r in part], [r["mask"] for r in part], need_values=self.value_head is not None)
            batch = {name: self._tensor(array) for name, array in arrays.items() if name not in ("tokens", "sampler_logprobs")}
            batch["logprobs"] = logprobs
            batch["sampler_logprobs"] = self._padded([self.before[id(row)]["logprobs"] for row in part], length)
            if values is not None:
                batch["values"] = values
                batch["old_values"] = self._padded([self.before[id(row)]["values"] for row in part], length)
                batch["gae_advantages"] = gae_terms[0][offset : offset + len(part), :length]
                batch["gae_returns"] = gae_terms[1][offset : offset + len(part), :length]
            if spec["kl"]["coef"] > 0 and "ref_logprobs" not in batch:
                batch["ref_logprobs"] = self.forward([r["tokens"] for r in part], [r["mask"] for r in part], with_adapter=False)[0]
            loss, metrics = losses.sequence_loss(self.ops, spec, batch)
            micro_tokens = float(batch["mask"].sum())
            share = {"token_mean": micro_tokens / max(n_tokens, 1.0), "seq_mean_token_mean": float((batch["mask"].sum(1) > 0).sum()) / max(rows_with_tokens, 1.0)}.get(spec["agg"], 1.0)
            (loss * share).backward()
            for name, value in metrics.items():
                # Masked means (ratio_mean, clipfrac, kl, vf_clipfrac) are weighted by the micro-batch's tokens.
                weight = share if name in LOSS_TERMS else micro_tokens / max(n_tokens, 1.0)
                totals[name] = totals.get(name, 0.0) + weight * float(value)
            gap = ((logprobs.detach() - batch["sampler_logprobs"]).abs() * batch["mask"]).max()
            logratio_max = max(logratio_max, float(gap))
            offset += len(part)
        # |log π_θ − log π_old| on completion tokens: 0 at the first step, because old = the trainer's own logprobs.
        return dict(totals, logratio_abs_max=logratio_max, n_tokens=int(n_tokens))

    def _preference_step(self, rows, spec):
        totals = {}
        for part in self.micro_batches(rows):
            summed = {}
            for side in ("chosen", "rejected"):
                sequences, masks = [row[side]["tokens"] for row in part], [row[side]["mask"] for row in part]
                summed[side] = self.forward(sequences, masks)[0].sum(1)
                given = [row[f"ref_lp_{side}"] for row in part]
                if all(value is not None for value in given):
                    summed[f"ref_{side}"] = self._tensor(given)
                else:
                    summed[f"ref_{side}"] = self.forward(sequences, masks, with_adapter=False)[0].sum(1)
            loss, metrics = losses.dpo_loss(self.ops, summed["chosen"], summed["rejected"], summed["ref_chosen"], summed["ref_rejected"], spec["dpo_beta"])
            share = len(part) / len(rows)
            (loss * share).backward()
            for name, value in dict(metrics, loss=float(loss.detach())).items():
                totals[name] = totals.get(name, 0.0) + share * float(value)
        n_tokens = int(sum(sum(row[side]["mask"]) for row in rows for side in ("chosen", "rejected")))
        return dict(totals, n_tokens=n_tokens)
