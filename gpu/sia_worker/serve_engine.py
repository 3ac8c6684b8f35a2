"""The policy server's model state: one base model, LoRA adapters loaded onto it at runtime, chat completions.

Adapters share the base weights (peft injects LoRA layers in place), so loading one costs its own tensors only;
a request names the adapter it wants and the engine switches with set_adapter under one lock, since the active
adapter is model-wide state. Answers follow vLLM's OpenAI server (field names, success texts, error types)."""
import random
import threading
import time
import uuid
from pathlib import Path

import torch

from .serve_generate import generate, guided_generate


class ApiError(Exception):
    """An error answered in OpenAI's shape with an HTTP status."""

    def __init__(self, status, message, err_type="BadRequestError", param=None):
        super().__init__(message)
        self.status, self.message, self.err_type, self.param = status, message, err_type, param

    def body(self):
        return {"error": {"message": self.message, "type": self.err_type, "param": self.param, "code": self.status}}


def _byte_decoder():
    # GPT-2 byte-level BPE spells each byte as one printable character; this map undoes that for `bytes`.
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    codes, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, codes)}


BYTE_DECODER = _byte_decoder()


class PolicyEngine:
    def __init__(self, model, tokenizer, served_name, root, default_max_tokens=512):
        self.model = model.eval()
        self.peft = None  # a PeftModel wrapping self.model once an adapter is loaded
        self.adapters = {}  # served name -> path, in load order
        self.tokenizer = tokenizer
        self.served_name, self.root = served_name, str(root)
        self.default_max_tokens = default_max_tokens
        self.context = getattr(model.config, "max_position_embeddings", None) or 4096
        eos = model.generation_config.eos_token_id if model.generation_config else None
        eos = eos if isinstance(eos, list) else [eos]
        self.eos_ids = {int(e) for e in eos + [tokenizer.eos_token_id] if e is not None}
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(self.eos_ids)
        self.special_ids = set(tokenizer.all_special_ids) | {
            i for i, t in tokenizer.added_tokens_decoder.items() if t.special}
        self.lock = threading.Lock()
        self.created = int(time.time())

    # ---- models and adapters -------------------------------------------------------------------------
    def list_models(self):
        with self.lock:
            card = {"object": "model", "created": self.created, "owned_by": "sia"}
            return {"object": "list", "data": [
                dict(card, id=self.served_name, root=self.root, parent=None),
                *(dict(card, id=name, root=path, parent=self.served_name) for name, path in self.adapters.items()),
            ]}

    def load_adapter(self, name, path):
        if not name or not path:
            raise ApiError(400, "Both 'lora_name' and 'lora_path' must be provided.", "InvalidUserInput")
        with self.lock:
            if name in self.adapters or name == self.served_name:
                raise ApiError(400, f"The lora adapter '{name}' has already been loaded.", "InvalidUserInput")
            if not (Path(path) / "adapter_config.json").is_file():
                raise ApiError(404, f"Loading lora {name} failed: No adapter found for {path}", "NotFoundError")
            try:
                if self.peft is None:
                    from peft import PeftModel

                    self.peft = PeftModel.from_pretrained(self.model, path, adapter_name=name).eval()
                else:
                    self.peft.load_adapter(path, adapter_name=name)
            except Exception as error:  # a corrupt or mismatched adapter must not take the server down
                self._forget(name)
                raise ApiError(400, f"Loading lora {name} failed: {type(error).__name__}: {error}") from error
            self.adapters[name] = str(path)
        return f"Success: LoRA adapter '{name}' added successfully."

    def unload_adapter(self, name):
        if not name:
            raise ApiError(400, "either 'lora_name' and 'lora_int_id' needs to be provided.", "InvalidUserInput")
        with self.lock:
            if name not in self.adapters:
                raise ApiError(404, f"The lora adapter '{name}' cannot be found.", "NotFoundError")
            del self.adapters[name]
            self._forget(name)
        return f"Success: LoRA adapter '{name}' removed successfully."

    def _forget(self, name):
        if self.peft is None or name not in self.peft.peft_config:
            return
        if not self.adapters:
            # peft cannot run with zero adapters; unload() strips the LoRA layers and gives back the base.
            self.model = self.peft.unload().eval()
            self.peft = None
            return
        self.peft.set_adapter(next(iter(self.adapters)))
        self.peft.delete_adapter(name)

    def _forward_model(self, name):
        """The module to run for a served name; the caller holds the lock and wraps base calls in _base()."""
        if name == self.served_name:
            return self.model if self.peft is None else self.peft
        self.peft.set_adapter(name)
        return self.peft

    def _base(self, name):
        if name == self.served_name and self.peft is not None:
            return self.peft.disable_adapter()
        return _nothing()

    # ---- chat completions ----------------------------------------------------------------------------
    def chat(self, request):
        name = request.get("model") or self.served_name
        params = _params(request, self.default_max_tokens)
        prompt_ids = self._prompt_ids(request.get("messages"))
        with self.lock:
            if name != self.served_name and name not in self.adapters:
                raise ApiError(404, f"The model `{name}` does not exist.", "NotFoundError", "model")
            room = self.context - len(prompt_ids)
            max_tokens = params["max_tokens"] if params["max_tokens"] is not None else min(room, self.default_max_tokens)
            if max_tokens > room:
                raise ApiError(400, f"This model's maximum context length is {self.context} tokens. However, you "
                               f"requested {len(prompt_ids) + max_tokens} tokens ({len(prompt_ids)} in the messages, "
                               f"{max_tokens} in the completion).", param="max_tokens")
            seed = params["seed"] if params["seed"] is not None else random.getrandbits(63)
            generator = torch.Generator().manual_seed(seed)
            model = self._forward_model(name)
            with self._base(name):
                if params["choices"]:
                    steps, finish, content = self._guided(model, prompt_ids, params, generator)
                else:
                    steps, finish, content = self._sample(model, prompt_ids, params, max_tokens, generator)
        return self._response(name, prompt_ids, steps, finish, content, params)

    def _prompt_ids(self, messages):
        if not isinstance(messages, list) or not messages:
            raise ApiError(400, "'messages' must be a non-empty list of chat messages.", param="messages")
        try:
            text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except Exception as error:
            raise ApiError(400, f"chat template failed: {error}", param="messages") from error
        # The template already holds the special markers, so the tokenizer must not add its own.
        return self.tokenizer(text, add_special_tokens=False).input_ids

    def _sample(self, model, prompt_ids, params, max_tokens, generator):
        stops = params["stop"]

        def should_stop(ids):
            return any(stop in self._text(ids) for stop in stops)

        steps, finish = generate(model, prompt_ids, max_tokens=max_tokens, temperature=params["temperature"],
                                 top_p=params["top_p"], generator=generator, eos_ids=self.eos_ids,
                                 top_k=params["top_logprobs"], should_stop=should_stop if stops else None)
        content = self._text([s.token_id for s in steps])
        for stop in stops:  # like vLLM, the stop string itself is not part of the content
            content = content.split(stop, 1)[0]
        return steps, finish, content

    def _guided(self, model, prompt_ids, params, generator):
        """Decodes one of the choices (each followed by eos, so a choice that prefixes another is a complete
        answer only when eos follows) token by token under vLLM's masking: greedy at temperature 0."""
        choices = params["choices"]
        eos = min(self.eos_ids) if self.tokenizer.eos_token_id is None else self.tokenizer.eos_token_id
        spelled = [self.tokenizer(c, add_special_tokens=False).input_ids + [eos] for c in choices]
        steps, pick = guided_generate(model, prompt_ids, spelled, temperature=params["temperature"], top_p=params["top_p"],
                                      generator=generator, top_k=params["top_logprobs"])
        return steps, "stop", choices[pick]

    def _text(self, ids):
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def _token(self, token_id, as_ids):
        piece = self.tokenizer.convert_ids_to_tokens(token_id)
        raw = bytes(BYTE_DECODER[ch] for ch in piece) if all(ch in BYTE_DECODER for ch in piece) else None
        if token_id in self.special_ids or raw is None:  # markers are spelled as their text, not byte symbols
            raw = self.tokenizer.decode([token_id]).encode()
        text = f"token_id:{token_id}" if as_ids else raw.decode("utf-8", errors="replace")
        return text, list(raw)

    def _logprob_entry(self, token_id, logprob, as_ids):
        token, raw = self._token(token_id, as_ids)
        return {"token": token, "logprob": max(logprob, -9999.0), "bytes": raw}

    def _response(self, name, prompt_ids, steps, finish, content, params):
        as_ids = params["tokens_as_ids"]
        logprobs = None
        if params["logprobs"]:
            logprobs = {"content": [
                dict(self._logprob_entry(s.token_id, s.logprob, as_ids),
                     top_logprobs=[self._logprob_entry(i, lp, as_ids) for i, lp in s.top])
                for s in steps
            ], "refusal": None}
        choice = {"index": 0, "message": {"role": "assistant", "content": content, "tool_calls": []},
                  "logprobs": logprobs, "finish_reason": finish, "stop_reason": None}
        response = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                    "model": name, "choices": [choice],
                    "usage": {"prompt_tokens": len(prompt_ids), "completion_tokens": len(steps),
                              "total_tokens": len(prompt_ids) + len(steps)}}
        if params["return_token_ids"]:
            choice["token_ids"] = [s.token_id for s in steps]
            response["prompt_token_ids"] = list(prompt_ids)
        return response


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _number(request, key, default, low, high):
    value = request.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ApiError(400, f"'{key}' must be a number in [{low}, {high}], got {value!r}.", param=key)
    return value


def _params(request, default_max_tokens):
    """The sampling parameters this server honours; anything it would silently get wrong is refused."""
    if request.get("stream"):
        raise ApiError(400, "stream=true is not supported by this server.", param="stream")
    if _number(request, "n", 1, 1, 1_000_000) != 1:
        raise ApiError(400, "Only n=1 is supported by this server.", param="n")
    guided = request.get("guided_choice")
    if guided is None and isinstance(request.get("structured_outputs"), dict):
        guided = request["structured_outputs"].get("choice")
    if guided is not None and (not isinstance(guided, list) or not guided or not all(isinstance(c, str) and c for c in guided)):
        raise ApiError(400, "guided_choice must be a non-empty list of non-empty strings.", param="guided_choice")
    stop = request.get("stop") or []
    stop = [stop] if isinstance(stop, str) else stop
    max_tokens = request.get("max_completion_tokens", request.get("max_tokens"))
    top_logprobs = int(_number(request, "top_logprobs", 0, 0, 20))
    return {
        "temperature": float(_number(request, "temperature", 1.0, 0.0, 2.0)),
        "top_p": float(_number(request, "top_p", 1.0, 1e-9, 1.0)),
        "seed": None if request.get("seed") is None else int(_number(request, "seed", 0, -(2 ** 63), 2 ** 63 - 1)),
        "max_tokens": None if max_tokens is None else int(_number({"max_tokens": max_tokens}, "max_tokens", 1, 1, 10 ** 9)),
        "logprobs": bool(request.get("logprobs")) or top_logprobs > 0,
        "top_logprobs": top_logprobs,
        "choices": guided,
        "stop": [s for s in stop if isinstance(s, str) and s],
        "return_token_ids": bool(request.get("return_token_ids")),
        "tokens_as_ids": bool(request.get("return_tokens_as_token_ids")),
    }
