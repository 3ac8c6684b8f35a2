"""The worker's fixed losses (training-anchors.md §1, §5), on plain arrays through an ops namespace.

Every function takes `ops` (array_ops.NumpyOps or TorchOps) and 2-D arrays shaped [rows, tokens] with a 0/1
`mask` marking policy-generated tokens. Advantages, pairs and selections come precomputed from TS; only GAE
runs here, because its values come from the critic that trains alongside the policy.
"""

LOG_RATIO_LIMIT = 20.0  # verl clamps the KL log-ratio to ±20 so exp() cannot overflow


def aggregate(ops, per_token, mask, agg, constant=None):
    """Reduce per-token losses to a scalar; the mode is an explicit choice (§1 aggregation table)."""
    masked = per_token * mask
    if agg == "token_sum":
        return ops.sum(masked)
    if agg == "token_mean":
        return ops.sum(masked) / max(float(ops.sum(mask)), 1.0)
    if agg == "seq_mean_token_mean":
        counts = ops.sum(mask, axis=1)
        row_means = ops.sum(masked, axis=1) / ops.clip(counts, 1.0, None)
        rows_with_tokens = float(ops.sum(counts > 0))
        return ops.sum(ops.where(counts > 0, row_means, 0.0 * row_means)) / max(rows_with_tokens, 1.0)
    if agg == "constant":
        # Dr.GRPO: divide by a fixed number (default rows × padded length) so long answers are not favoured.
        divisor = constant if constant is not None else mask.shape[0] * mask.shape[1]
        return ops.sum(masked) / float(divisor)
    raise ValueError(f"loss.agg: unknown aggregation {agg!r}")


def kl_penalty(ops, logprobs, ref_logprobs, estimator):
    """Per-token estimators of KL(π‖π_ref) on samples from π (§1.5)."""
    log_ratio = ops.clip(logprobs - ref_logprobs, -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT)
    if estimator == "k1":
        return log_ratio
    if estimator == "k2":
        return 0.5 * log_ratio * log_ratio
    if estimator == "k3":
        return ops.exp(-log_ratio) + log_ratio - 1.0
    raise ValueError(f"loss.kl.estimator: unknown estimator {estimator!r}")


def policy_gradient_loss(ops, kind, logprobs, old_logprobs, advantages, mask, clip_low, clip_high, agg, agg_constant=None):
    """Importance-sampled (`is`), PPO-clip (`ppo_clip`) or CISPO (`cispo`) policy loss; returns (loss, metrics)."""
    ratio = ops.exp(logprobs - old_logprobs)
    clipped_ratio = ops.clip(ratio, 1.0 - clip_low, 1.0 + clip_high)
    metrics = {"ratio_mean": _masked_mean(ops, ratio, mask)}
    if kind == "is":
        per_token = -advantages * ratio
    elif kind == "ppo_clip":
        unclipped, clipped = -advantages * ratio, -advantages * clipped_ratio
        per_token = ops.maximum(unclipped, clipped)
        metrics["clipfrac"] = _masked_mean(ops, 1.0 * (clipped > unclipped), mask)
    elif kind == "cispo":
        per_token = -ops.stop_gradient(clipped_ratio) * logprobs * advantages
    else:
        raise ValueError(f"loss.kind: {kind!r} is not a policy-gradient loss")
    return aggregate(ops, per_token, mask, agg, agg_constant), metrics


def cross_entropy_loss(ops, logprobs, mask, agg, weights=None, agg_constant=None):
    """Behaviour cloning / SFT: negative log-likelihood of the kept tokens, optionally weighted (Tinker `cross_entropy`)."""
    per_token = -logprobs * (mask if weights is None else weights)
    return aggregate(ops, per_token, mask, agg, agg_constant)


def dpo_loss(ops, chosen_logprob, rejected_logprob, ref_chosen_logprob, ref_rejected_logprob, beta):
    """Sigmoid DPO over per-pair summed completion logprobs (§1.6); returns (mean loss, metrics)."""
    chosen_reward = beta * (chosen_logprob - ref_chosen_logprob)
    rejected_reward = beta * (rejected_logprob - ref_rejected_logprob)
    margin = chosen_reward - rejected_reward
    losses = -ops.log_sigmoid(margin)
    count = float(losses.shape[0])
    metrics = {
        "chosen_reward": _scalar(ops, ops.sum(chosen_reward)) / count,
        "rejected_reward": _scalar(ops, ops.sum(rejected_reward)) / count,
        "margin": _scalar(ops, ops.sum(margin)) / count,
        "accuracy": float(ops.sum(1.0 * (margin > 0))) / count,
    }
    return ops.sum(losses) / count, metrics


def gae(ops, rewards, values, mask, gamma, lam):
    """Generalised advantage estimation, scanned backwards with V = 0 past the last valid token (§1.1).

    Returns (advantages, returns); returns are computed before whitening. Inputs should carry no gradient."""
    next_value = 0.0 * values[:, 0]
    last_advantage = 0.0 * values[:, 0]
    columns = []
    for t in reversed(range(values.shape[1])):
        valid = mask[:, t]
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        advantage = delta + gamma * lam * last_advantage
        next_value = values[:, t] * valid + (1.0 - valid) * next_value
        last_advantage = advantage * valid + (1.0 - valid) * last_advantage
        columns.append(last_advantage)
    advantages = ops.stack(columns[::-1], axis=1)
    return advantages, advantages + values


def whiten(ops, values, mask, epsilon=1e-8):
    """(x − mean)/sqrt(var + ε) over masked entries, with the Bessel-corrected variance of verl's masked_whiten."""
    count = float(ops.sum(mask))
    mean = ops.sum(values * mask) / count
    centred = values - mean
    variance = ops.sum(centred * centred * mask) / max(count - 1.0, 1.0)
    return centred / ops.sqrt(variance + epsilon)


def value_loss(ops, values, old_values, returns, mask, clip_value, agg, agg_constant=None):
    """Clipped critic loss 0.5·agg(max((v−R)², (clip(v, v_old±ε)−R)²)) (§1.2); returns (loss, metrics)."""
    clipped = ops.clip(values - old_values, -clip_value, clip_value) + old_values
    unclipped_error = (values - returns) * (values - returns)
    clipped_error = (clipped - returns) * (clipped - returns)
    per_token = ops.maximum(unclipped_error, clipped_error)
    metrics = {"vf_clipfrac": _masked_mean(ops, 1.0 * (clipped_error > unclipped_error), mask)}
    return 0.5 * aggregate(ops, per_token, mask, agg, agg_constant), metrics


def sequence_loss(ops, spec, batch):
    """The job's loss over a batch of sequence rows; `spec` is job["loss"].

    batch: logprobs (current policy), sampler_logprobs, mask, and per kind: advantages (is/ppo_clip/cispo,
    cross_entropy weights), rewards + values + old_values (ppo_gae), ref_logprobs (KL)."""
    kind, agg, constant = spec["kind"], spec["agg"], spec.get("agg_constant")
    logprobs, mask = batch["logprobs"], batch["mask"]
    metrics = {}
    if kind == "cross_entropy":
        loss = cross_entropy_loss(ops, logprobs, mask, agg, batch.get("advantages"), constant)
    elif kind == "ppo_gae":
        gae_spec = spec["gae"]
        old_values = ops.stop_gradient(batch["old_values"])
        if "gae_advantages" in batch:
            # Micro-batched training: GAE and its whitening ran once over the whole minibatch (they read only the
            # fixed old values), so every micro-batch sees the same advantages a single pass would.
            advantages, returns = batch["gae_advantages"], batch["gae_returns"]
        else:
            advantages, returns = gae(ops, batch["rewards"], old_values, mask, gae_spec["gamma"], gae_spec["lam"])
            advantages = whiten(ops, advantages, mask)
        pg_loss, metrics = policy_gradient_loss(
            ops, "ppo_clip", logprobs, batch["sampler_logprobs"], advantages, mask, spec["clip_low"], spec["clip_high"], agg, constant
        )
        vf_loss, vf_metrics = value_loss(ops, batch["values"], old_values, returns, mask, gae_spec["clip_value"], agg, constant)
        metrics.update(vf_metrics, pg_loss=_scalar(ops, pg_loss), vf_loss=_scalar(ops, vf_loss))
        loss = pg_loss + gae_spec["vf_coef"] * vf_loss
    else:
        loss, metrics = policy_gradient_loss(
            ops, kind, logprobs, batch["sampler_logprobs"], batch["advantages"], mask, spec["clip_low"], spec["clip_high"], agg, constant
        )
        metrics["pg_loss"] = _scalar(ops, loss)
    kl_spec = spec["kl"]
    if batch.get("ref_logprobs") is not None:
        kl = kl_penalty(ops, logprobs, batch["ref_logprobs"], kl_spec["estimator"])
        metrics["kl"] = _masked_mean(ops, kl, mask)
        # where="reward": TS already folded −coef·k1 into the advantages; the worker only reports the KL.
        if kl_spec["where"] == "loss" and kl_spec["coef"] > 0:
            loss = loss + kl_spec["coef"] * aggregate(ops, kl, mask, agg, constant)
    metrics["loss"] = _scalar(ops, loss)
    return loss, metrics


def _masked_mean(ops, values, mask):
    # A metric, never differentiated: detached so torch does not warn about float() on a graph tensor.
    return float(ops.sum(ops.stop_gradient(values) * mask)) / max(float(ops.sum(mask)), 1.0)


def _scalar(ops, value):
    return float(ops.stop_gradient(value))
