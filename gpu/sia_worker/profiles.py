"""Hyperparameter profiles per base model, and the Feedback-Agent's overrides applied on top of a job.

A profile holds what the job spec does not carry (micro-batch size, logprob chunk, dtype) and the settings
recommended for that model, which the TS side sends as the job's lora/optim. Precedence, lowest first:
profile → the job's lora/optim → job["hyperparams"] (the Feedback-Agent's overrides). The result records the
effective values, so a run's log says what actually trained."""
import copy
from pathlib import Path

from .defaults import GPT_OSS_120B
from .schema_check import SchemaError
from .tiny_model import BUILD_MARKER

GPT_OSS_LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
GPT_OSS_EXPERT_TARGETS = ["mlp.experts.gate_up_proj", "mlp.experts.down_proj"]

PROFILES = {
    # The numpy bigram table (CPU tests of the job plumbing): it trains whatever the job says.
    "toy": {"lora": {}, "optim": {}, "micro_batch_size": 0, "logprob_chunk": 0, "dtype": "float64", "max_lr": float("inf")},
    # defaults.py's gpt-oss-120b settings (training-anchors.md §3, §4): TTT-Discover's lr 4e-5, rank 32, one
    # epoch per update; one row per micro-batch because an 8k-token row already fills an H100 with checkpointing.
    "gpt-oss-120b": {
        "lora": dict(GPT_OSS_120B["lora"]),
        "optim": dict(GPT_OSS_120B["optim"], epochs=1, weight_decay=0.0, grad_clip=1.0),
        "micro_batch_size": 1,
        # 1024 completion tokens × 201,088 vocab × 4 bytes ≈ 0.8 GB of fp32 logits per chunk.
        "logprob_chunk": 1024,
        "dtype": "bfloat16",
        # LoRA lrs for RL on large models sit around 1e-5..5e-4 (LoRA Without Regret); far above is a wrong profile.
        "max_lr": 1e-3,
    },
    # The tiny random gpt-oss (tiny_model.py): lr 1e-2 and 4 epochs move a 170k-parameter model visibly in a few
    # steps (the tiny TS policy's 5e-2 oscillates here: measured, loss 5.55 → 5.18 → 5.88); on gpt-oss-120b such
    # an lr would wreck the weights, so it is this profile's only.
    "tiny-gpt-oss": {
        "lora": {"rank": 8, "alpha": 16, "dropout": 0.0, "target_modules": GPT_OSS_LORA_TARGETS, "target_parameters": GPT_OSS_EXPERT_TARGETS},
        "optim": {"lr": 0.01, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "epochs": 4, "weight_decay": 0.0, "grad_clip": 1.0},
        "micro_batch_size": 2,
        # Small on purpose: tests then cross chunk boundaries with 20-token rows.
        "logprob_chunk": 8,
        "dtype": "float32",
        "max_lr": 1.0,
    },
}

# Where each Feedback-Agent override lands in the job; anything else is refused rather than silently ignored.
OVERRIDES = {
    "lr": ("optim", "lr"), "epochs": ("optim", "epochs"), "minibatches": ("optim", "minibatches"),
    "grad_clip": ("optim", "grad_clip"), "weight_decay": ("optim", "weight_decay"),
    "rank": ("lora", "rank"), "alpha": ("lora", "alpha"),
    "clip_low": ("loss", "clip_low"), "clip_high": ("loss", "clip_high"), "dpo_beta": ("loss", "dpo_beta"),
    "kl_coef": ("loss", "kl", "coef"),
    "micro_batch_size": (None, "micro_batch_size"), "logprob_chunk": (None, "logprob_chunk"),
}
POSITIVE_INTEGERS = {"epochs", "minibatches", "rank", "micro_batch_size", "logprob_chunk"}


def profile_name(base_model, backend, tiny_random):
    if backend == "toy":
        return "toy"
    if tiny_random or "tiny-gpt-oss" in base_model or (Path(base_model) / BUILD_MARKER).exists():
        return "tiny-gpt-oss"
    if "gpt-oss-120b" in base_model:
        return "gpt-oss-120b"
    # Other models get the gpt-oss-120b runtime settings (micro-batch 1, bf16): safe for any large model.
    return "gpt-oss-120b"


def resolve(job, backend="torch", tiny_random=False):
    """(job with the overrides applied, runtime settings, record for the result)."""
    name = profile_name(job["base_model"], backend, tiny_random)
    profile = PROFILES[name]
    job = copy.deepcopy(job)
    runtime = {"micro_batch_size": profile["micro_batch_size"], "logprob_chunk": profile["logprob_chunk"], "dtype": profile["dtype"]}
    overrides = job.get("hyperparams") or {}
    for key, value in sorted(overrides.items()):
        if key not in OVERRIDES:
            raise SchemaError(f"job.hyperparams.{key}", f"is not a setting the worker can apply (known: {', '.join(sorted(OVERRIDES))})")
        may_be_zero = key in ("weight_decay", "kl_coef", "grad_clip")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (value == 0 and not may_be_zero):
            raise SchemaError(f"job.hyperparams.{key}", f"must be a {'non-negative' if may_be_zero else 'positive'} number, got {value!r}")
        if key in POSITIVE_INTEGERS and int(value) != value:
            raise SchemaError(f"job.hyperparams.{key}", f"must be a whole number, got {value!r}")
        *parents, leaf = OVERRIDES[key]
        target = runtime if parents == [None] else job
        for parent in parents if parents != [None] else []:
            target = target[parent]
        target[leaf] = int(value) if key in POSITIVE_INTEGERS else float(value)
    if job["optim"]["lr"] > profile["max_lr"]:
        raise SchemaError("job.optim.lr", f"{job['optim']['lr']} is above the {name} profile's limit {profile['max_lr']} (it trains at {profile['optim']['lr']}); the tiny profile's lr is for the tiny model only")
    effective = {
        "lr": job["optim"]["lr"], "epochs": job["optim"]["epochs"], "minibatches": job["optim"]["minibatches"],
        "rank": job["lora"]["rank"], "alpha": job["lora"]["alpha"], "target_modules": job["lora"]["target_modules"],
        "target_parameters": job["lora"]["target_parameters"], **runtime,
    }
    record = {"profile": name, "hyperparams": effective, "hyperparams_overrides": dict(overrides)}
    return job, runtime, record
