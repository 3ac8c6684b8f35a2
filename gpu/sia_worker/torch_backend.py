"""The real backend: PEFT LoRA on a transformers causal LM, trained with losses.py on torch tensors.

torch, transformers, peft and safetensors are imported here only, when the job asks for this backend, so CPU
machines without them can still run the toy backend. `tiny_random` trains the tiny random gpt-oss of
tiny_model.py (built once into a cache folder, tokenizer included), so CPU tests exercise this exact code path:
gpt-oss attention and MoE experts, LoRA on q/k/v/o and on the experts' fused parameters."""
import os
from pathlib import Path

from .batch import pad
from .lora_targets import check_targets_match
from .schema_check import SchemaError
from .torch_steps import TorchSteps

VALUE_HEAD_FILE = "value_head.safetensors"


def _import_stack():
    try:
        import peft
        import safetensors.torch
        import torch
        import transformers
    except ImportError as error:
        raise RuntimeError(
            f"the torch backend needs torch, transformers, peft and safetensors ({error}); "
            "install gpu/requirements.txt, or pass --backend toy for the CPU toy model"
        ) from error
    return torch, transformers, peft, safetensors.torch


def tiny_model_dir():
    """Where --tiny-random keeps its build; shared by every process on the machine, so trainer and server agree."""
    return Path(os.environ.get("SIA_TINY_MODEL_DIR") or Path.home() / ".cache" / "sia" / "tiny-gpt-oss")


def ensure_tiny_model(folder):
    """Builds the tiny model into a private folder and renames it into place: concurrent builders never see half."""
    from .tiny_model import BUILD_MARKER, build_tiny_random

    folder = Path(folder)
    if (folder / BUILD_MARKER).exists():
        return folder
    staging = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    build_tiny_random(staging)
    try:
        os.rename(staging, folder)
    except OSError:  # another process won the race; its build is identical (same seed and config)
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return folder


class TorchBackend(TorchSteps):
    name = "torch"

    def __init__(self, job, rows, adapter_in_dir=None, tiny_random=False, runtime=None):
        torch, transformers, peft, self.safetensors = _import_stack()
        from .array_ops import TorchOps
        from .profiles import resolve

        self.torch, self.job, self.ops = torch, job, TorchOps()
        self.runtime = runtime or resolve(job, "torch", tiny_random)[1]
        torch.manual_seed(job["optim"]["seed"])
        base = self._base_model(transformers, tiny_random)
        _check_token_ids(rows, base.config.vocab_size, self.base_name)
        # Long RL sequences on a 120B model do not fit activations otherwise (training-anchors.md §3 memory).
        # Non-reentrant checkpointing needs no enable_input_require_grads hack and works with frozen embeddings.
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model = self._with_lora(peft, base, adapter_in_dir)
        # transformers checkpoints a layer only when `self.training`; from_pretrained returns eval mode.
        model.train()
        self.model = model
        self.device = base.get_input_embeddings().weight.device
        self.value_head = self._value_head(base, adapter_in_dir) if job["loss"]["kind"] == "ppo_gae" else None
        parameters = [p for p in model.parameters() if p.requires_grad]
        if self.value_head is not None:
            parameters += list(self.value_head.parameters())
        self.parameters = parameters
        optim = job["optim"]
        self.optimizer = torch.optim.AdamW(parameters, lr=optim["lr"], betas=(optim["beta1"], optim["beta2"]), eps=optim["eps"], weight_decay=optim["weight_decay"])
        # The old policy is the trainer's own, before any update: ratios start at exactly 1, and the sampler's
        # disagreement with it (quantised serving, other kernels) is measured instead of trained on.
        self.before = self._before_training(rows) if job["loss"]["kind"] != "dpo" else {}

    def _base_model(self, transformers, tiny_random):
        torch = self.torch
        if tiny_random or Path(self.job["base_model"]).is_dir():
            folder = ensure_tiny_model(tiny_model_dir()) if tiny_random else Path(self.job["base_model"])
            self.base_name = str(folder)
            dtype = getattr(torch, self.runtime["dtype"])
            return transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=dtype).to("cuda" if torch.cuda.is_available() else "cpu")
        self.base_name = self.job["base_model"]
        extra = {}
        if "gpt-oss" in self.job["base_model"]:
            # The checkpoint stores experts in MXFP4; LoRA training needs them dequantised to bf16 (§3).
            extra["quantization_config"] = transformers.Mxfp4Config(dequantize=True)
        return transformers.AutoModelForCausalLM.from_pretrained(
            self.job["base_model"], revision=self.job["base_revision"], dtype=getattr(torch, self.runtime["dtype"]), device_map="auto", **extra
        )

    def _with_lora(self, peft, base, adapter_in_dir):
        if adapter_in_dir is not None:
            return peft.PeftModel.from_pretrained(base, str(adapter_in_dir), is_trainable=True)
        lora = self.job["lora"]
        check_targets_match(base, lora["target_modules"], lora["target_parameters"], self.base_name)
        extra = {"target_parameters": lora["target_parameters"]} if lora["target_parameters"] else {}
        config = peft.LoraConfig(
            r=lora["rank"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"], target_modules=lora["target_modules"],
            bias="none", task_type="CAUSAL_LM", **extra,
        )
        return peft.get_peft_model(base, config)

    def _value_head(self, base, adapter_in_dir):
        head = self.torch.nn.Linear(base.config.hidden_size, 1, dtype=self.torch.float32).to(self.device)
        self.torch.nn.init.zeros_(head.weight)
        self.torch.nn.init.zeros_(head.bias)
        if adapter_in_dir is not None and (adapter_in_dir / VALUE_HEAD_FILE).exists():
            head.load_state_dict(self.safetensors.load_file(str(adapter_in_dir / VALUE_HEAD_FILE), device=str(self.device)))
        return head

    def _tensor(self, array, dtype=None):
        return self.torch.as_tensor(array, dtype=dtype or self.torch.float32, device=self.device)

    def forward(self, sequences, masks, with_adapter=True, need_values=False):
        """Completion-token logprobs [N, T] (0 where mask = 0) and, on request, critic values [N, T]."""
        from .torch_logprobs import completion_logprobs

        length = max(len(t) for t in sequences)
        tokens = self._tensor(pad(sequences, length, 0, "int64"), self.torch.long)
        attention = self._tensor(pad([[1] * len(t) for t in sequences], length), self.torch.long)
        mask = self._tensor(pad(masks, length))
        head = self.value_head if need_values else None
        if with_adapter:
            return completion_logprobs(self.model, tokens, attention, mask, self.runtime["logprob_chunk"], head)
        with self.model.disable_adapter(), self.torch.no_grad():
            return completion_logprobs(self.model, tokens, attention, mask, self.runtime["logprob_chunk"], head)

    def micro_batches(self, rows):
        size = self.runtime["micro_batch_size"]
        return [rows[start : start + size] for start in range(0, len(rows), size)]

    def _before_training(self, rows):
        """Per row: the trainer's logprobs and critic values before the first update, and the sampler's disagreement."""
        before = {}
        with self.torch.no_grad():
            for part in self.micro_batches(rows):
                logprobs, values = self.forward([r["tokens"] for r in part], [r["mask"] for r in part], need_values=self.value_head is not None)
                for index, row in enumerate(part):
                    length = len(row["tokens"])
                    before[id(row)] = {"logprobs": logprobs[index, :length].cpu(), "values": None if values is None else values[index, :length].cpu()}
        differences = [
            float(sampled) - float(trained)
            for row in rows
            for sampled, trained, keep in zip(row["sampler_logprobs"], before[id(row)]["logprobs"], row["mask"])
            if keep
        ]
        count = max(len(differences), 1)
        self.sampler_metrics = {
            # sampler − trainer logprob on completion tokens: 0 when serving and training agree exactly.
            "sampler_lp_diff_mean": sum(differences) / count,
            "sampler_lp_abs_diff_mean": sum(abs(d) for d in differences) / count,
            "sampler_lp_abs_diff_max": max((abs(d) for d in differences), default=0.0),
        }
        return before

    def result_metrics(self):
        return dict(getattr(self, "sampler_metrics", {}))

    def save(self, directory):
        # PEFT writes adapter_config.json + adapter_model.safetensors: the layout vLLM's load_lora_adapter reads.
        self.model.save_pretrained(str(directory))
        if self.value_head is not None:
            self.safetensors.save_file({k: v.contiguous().cpu() for k, v in self.value_head.state_dict().items()}, str(directory / VALUE_HEAD_FILE))


def _check_token_ids(rows, vocab_size, base_name):
    for index, row in enumerate(rows):
        for field, sequence in ([("chosen", row["chosen"]), ("rejected", row["rejected"])] if "chosen" in row else [("tokens", row)]):
            largest = max(sequence["tokens"], default=0)
            if largest >= vocab_size:
                name = f"rows[{index}].{field}" + (".tokens" if field != "tokens" else "")
                raise SchemaError(name, f"token id {largest} is outside {base_name}'s vocabulary of {vocab_size}")

