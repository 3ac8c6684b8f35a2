"""The real backend: PEFT LoRA on a transformers causal LM, trained with losses.py on torch tensors.

torch, transformers, peft and safetensors are imported here only, when the job asks for this backend, so CPU
machines (CI) never need them. `tiny_random` builds a small randomly initialised Llama-style model from a
config (no download) for GPU smoke tests of this exact code path."""
from . import losses
from .batch import pad, pad_sequence_rows
from .defaults import TINY_RANDOM_MODEL

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


class TorchBackend:
    name = "torch"

    def __init__(self, job, rows, adapter_in_dir=None, tiny_random=False):
        torch, transformers, peft, self.safetensors = _import_stack()
        from .array_ops import TorchOps

        self.torch, self.job, self.ops = torch, job, TorchOps()
        torch.manual_seed(job["optim"]["seed"])
        model = self._base_model(transformers, rows, tiny_random)
        lora = job["lora"]
        if adapter_in_dir is not None:
            model = peft.PeftModel.from_pretrained(model, str(adapter_in_dir), is_trainable=True)
        else:
            extra = {"target_parameters": lora["target_parameters"]} if lora["target_parameters"] else {}
            config = peft.LoraConfig(
                r=lora["rank"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"], target_modules=lora["target_modules"],
                bias="none", task_type="CAUSAL_LM", **extra,
            )
            model = peft.get_peft_model(model, config)
        self.model = model
        self.device = model.get_input_embeddings().weight.device
        self.value_head = self._value_head(model, adapter_in_dir) if job["loss"]["kind"] == "ppo_gae" else None
        parameters = [p for p in model.parameters() if p.requires_grad]
        if self.value_head is not None:
            parameters += list(self.value_head.parameters())
        self.parameters = parameters
        optim = job["optim"]
        self.optimizer = torch.optim.AdamW(parameters, lr=optim["lr"], betas=(optim["beta1"], optim["beta2"]), eps=optim["eps"], weight_decay=optim["weight_decay"])
        # PPO needs the critic's values from before this job's updates, fixed for all its epochs.
        self.old_values = {id(row): self._values_before_training(row) for row in rows} if self.value_head is not None else {}

    def _base_model(self, transformers, rows, tiny_random):
        if tiny_random:
            longest = max(len(row.get("tokens", [])) for row in rows) if rows and "tokens" in rows[0] else 512
            largest = max((t for row in rows for t in row.get("tokens", [0])), default=0)
            config = transformers.LlamaConfig(
                **dict(TINY_RANDOM_MODEL, vocab_size=max(TINY_RANDOM_MODEL["vocab_size"], largest + 1), max_position_embeddings=max(512, longest + 1))
            )
            return transformers.AutoModelForCausalLM.from_config(config).to("cuda" if self.torch.cuda.is_available() else "cpu")
        extra = {}
        if "gpt-oss" in self.job["base_model"]:
            # The checkpoint stores experts in MXFP4; LoRA training needs them dequantised to bf16 (§3).
            extra["quantization_config"] = transformers.Mxfp4Config(dequantize=True)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            self.job["base_model"], revision=self.job["base_revision"], torch_dtype=self.torch.bfloat16, device_map="auto", **extra
        )
        # Long RL sequences on a 120B model do not fit activations otherwise (training-anchors.md §3 memory).
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
        return model

    def _value_head(self, model, adapter_in_dir):
        head = self.torch.nn.Linear(model.config.hidden_size, 1, dtype=self.torch.float32).to(self.device)
        self.torch.nn.init.zeros_(head.weight)
        self.torch.nn.init.zeros_(head.bias)
        if adapter_in_dir is not None and (adapter_in_dir / VALUE_HEAD_FILE).exists():
            head.load_state_dict(self.safetensors.load_file(str(adapter_in_dir / VALUE_HEAD_FILE), device=str(self.device)))
        return head

    def _tensor(self, array, dtype=None):
        return self.torch.as_tensor(array, dtype=dtype or self.torch.float32, device=self.device)

    def forward(self, rows_tokens, with_adapter=True, need_values=False):
        """Per-token logprobs [N, T] (position 0 has no prediction: 0) and, on request, critic values [N, T]."""
        torch = self.torch
        length = max(len(t) for t in rows_tokens)
        tokens = self._tensor(pad(rows_tokens, length, 0, "int64"), torch.long)
        attention = self._tensor(pad([[1] * len(t) for t in rows_tokens], length), torch.long)
        if with_adapter:
            output = self.model(input_ids=tokens, attention_mask=attention, output_hidden_states=need_values)
        else:
            with self.model.disable_adapter(), torch.no_grad():
                output = self.model(input_ids=tokens, attention_mask=attention)
        next_logprobs = torch.log_softmax(output.logits[:, :-1].float(), dim=-1).gather(-1, tokens[:, 1:, None])[..., 0]
        zero_column = torch.zeros_like(next_logprobs[:, :1])
        logprobs = torch.cat([zero_column, next_logprobs], dim=1)
        if not need_values:
            return logprobs, None
        # V_t estimates the return from the state before token t, i.e. the hidden state at t − 1.
        values = self.value_head(output.hidden_states[-1][:, :-1].float())[..., 0]
        return logprobs, torch.cat([zero_column, values], dim=1)

    def _values_before_training(self, row):
        with self.torch.no_grad():
            return self.forward([row["tokens"]], need_values=True)[1][0].cpu().tolist()

    def step(self, rows, learning_rate):
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        spec = self.job["loss"]
        if spec["kind"] == "dpo":
            loss, metrics, n_tokens = self._preference_loss(rows, spec)
        else:
            arrays = pad_sequence_rows(rows)
            logprobs, values = self.forward([row["tokens"] for row in rows], need_values=self.value_head is not None)
            batch = {name: self._tensor(array) for name, array in arrays.items() if name != "tokens"}
            batch["logprobs"] = logprobs
            if values is not None:
                batch["values"] = values
                batch["old_values"] = self._tensor(pad([self.old_values[id(row)] for row in rows], logprobs.shape[1]))
            if spec["kl"]["coef"] > 0 and "ref_logprobs" not in batch:
                batch["ref_logprobs"] = self.forward([row["tokens"] for row in rows], with_adapter=False)[0]
            loss, metrics = losses.sequence_loss(self.ops, spec, batch)
            n_tokens = int(arrays["mask"].sum())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = self.job["optim"]["grad_clip"]
        grad_norm = self.torch.nn.utils.clip_grad_norm_(self.parameters, clip if clip > 0 else float("inf"))
        self.optimizer.step()
        return dict(metrics, loss=float(loss), grad_norm=float(grad_norm), n_tokens=n_tokens)

    def _preference_loss(self, rows, spec):
        summed = {}
        for side in ("chosen", "rejected"):
            sequences = [row[side]["tokens"] for row in rows]
            mask = self._tensor(pad([row[side]["mask"] for row in rows], max(map(len, sequences))))
            summed[side] = (self.forward(sequences)[0] * mask).sum(1)
            given = [row[f"ref_lp_{side}"] for row in rows]
            if all(value is not None for value in given):
                summed[f"ref_{side}"] = self._tensor(given)
            else:
                summed[f"ref_{side}"] = (self.forward(sequences, with_adapter=False)[0] * mask).sum(1)
        loss, metrics = losses.dpo_loss(self.ops, summed["chosen"], summed["rejected"], summed["ref_chosen"], summed["ref_rejected"], spec["dpo_beta"])
        n_tokens = int(sum(sum(row[side]["mask"]) for row in rows for side in ("chosen", "rejected")))
        return loss, dict(metrics, loss=float(loss)), n_tokens

    def save(self, directory):
        # PEFT writes adapter_config.json + adapter_model.safetensors: the layout vLLM's load_lora_adapter reads.
        self.model.save_pretrained(str(directory))
        if self.value_head is not None:
            self.safetensors.save_file({k: v.contiguous().cpu() for k, v in self.value_head.state_dict().items()}, str(directory / VALUE_HEAD_FILE))
