"""Shared by the torch tests: the tiny gpt-oss built once per process, tiny jobs, and logprobs of a saved adapter.

Importing this module needs torch; test modules import it only when torch is installed."""
import os
import tempfile
from pathlib import Path

import torch

from sia_worker.torch_backend import ensure_tiny_model, tiny_model_dir
from sia_worker.torch_logprobs import full_vocab_logprobs

from .helpers import write_job

# One build per test process (about a second), in a private folder so tests never touch the user's cache.
os.environ.setdefault("SIA_TINY_MODEL_DIR", str(Path(tempfile.mkdtemp(prefix="sia-tiny-")) / "tiny-gpt-oss"))
TINY_LORA = {
    "lora.rank": 4, "lora.alpha": 8, "lora.target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "lora.target_parameters": ["mlp.experts.gate_up_proj", "mlp.experts.down_proj"],
}


def text_row(prompt, completion, advantage, traj, **extra):
    """A sequence row over the tiny model's byte tokens: prompt masked out, completion trained."""
    prompt_ids, completion_ids = list(prompt.encode()), list(completion.encode())
    mask = [0] * len(prompt_ids) + [1] * len(completion_ids)
    row = {"group": "g", "traj": traj, "tokens": prompt_ids + completion_ids, "mask": mask, "sampler_logprobs": [0.0] * len(mask),
           "advantages": [advantage * m for m in mask], "ref_logprobs": None, "reward": advantage}
    row.update(extra)
    return row


def tiny_job(directory, rows, **overrides):
    # The tiny-gpt-oss profile's lr and epochs (profiles.py), sent explicitly as the TS side does.
    settings = dict(TINY_LORA, base_model="sia/tiny-gpt-oss", **{"optim.epochs": 4, "optim.lr": 0.01})
    settings.update(overrides)
    return write_job(directory, rows, **settings)


def tiny_base():
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(ensure_tiny_model(tiny_model_dir()), dtype=torch.float32)


def completion_sums(adapter_dir, sequences):
    """Per (tokens, mask): summed completion logprob under base + adapter (None: the base alone), loaded as a
    server would load it (PeftModel.from_pretrained on a fresh base, eval mode, full logits)."""
    from peft import PeftModel

    model = tiny_base() if adapter_dir is None else PeftModel.from_pretrained(tiny_base(), str(adapter_dir))
    model.eval()
    sums = []
    with torch.no_grad():
        for tokens, mask in sequences:
            ids = torch.tensor([tokens])
            logprobs = full_vocab_logprobs(model, ids, torch.ones_like(ids))[0]
            sums.append(float((logprobs * torch.tensor(mask, dtype=torch.float32)).sum()))
    return sums


def quiet(_line):
    pass
