"""POST /v1/completions, the subset sia uses to score given token ids under a served model or adapter.

sia's serving-parity check sends vLLM's request shape, `prompt` as token ids with `prompt_logprobs: 0` and
`max_tokens: 1`, and reads `choices[0].prompt_logprobs`: one entry per prompt token, null for the first (nothing
predicts it), else {"<token id>": {"logprob", "rank", "decoded_token"}} for the token itself plus the top-k
alternatives when prompt_logprobs = k > 0. The same client therefore works against real vLLM. Logprobs are the raw
model's, computed by one teacher-forced forward over the prompt."""
import time
import uuid

import torch

from .serve_engine import ApiError, _number
from .serve_generate import generate


def _prompt_ids(engine, prompt):
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], list):
        prompt = prompt[0]  # a batch of one
    if isinstance(prompt, str) and prompt:
        return engine.tokenizer(prompt, add_special_tokens=False).input_ids
    vocab = engine.model.config.vocab_size
    if not isinstance(prompt, list) or not prompt or not all(isinstance(t, int) and not isinstance(t, bool) and 0 <= t < vocab for t in prompt):
        raise ApiError(400, f"'prompt' must be a non-empty string or list of token ids in [0, {vocab}).", param="prompt")
    return prompt


@torch.inference_mode()
def _scored(model, prompt_ids, top_k):
    logits = model(input_ids=torch.tensor([prompt_ids], device=model.device)).logits[0].float()
    log_probs = torch.log_softmax(logits[:-1], dim=-1)
    targets = torch.tensor(prompt_ids[1:], device=log_probs.device)
    picked = log_probs.gather(-1, targets[:, None])[:, 0]
    ranks = (log_probs > picked[:, None]).sum(-1) + 1
    top = torch.topk(log_probs, min(top_k, log_probs.shape[-1])) if top_k else None
    return picked.tolist(), ranks.tolist(), top


def complete(engine, request):
    name = request.get("model") or engine.served_name
    if request.get("stream"):
        raise ApiError(400, "stream=true is not supported by this server.", param="stream")
    if _number(request, "n", 1, 1, 1_000_000) != 1:
        raise ApiError(400, "Only n=1 is supported by this server.", param="n")
    prompt_ids = _prompt_ids(engine, request.get("prompt"))
    max_tokens = int(_number(request, "max_tokens", 16, 0, 10 ** 9))
    prompt_k = request.get("prompt_logprobs")
    prompt_k = None if prompt_k is None else int(_number(request, "prompt_logprobs", 0, 0, 20))
    temperature = float(_number(request, "temperature", 1.0, 0.0, 2.0))
    seed = request.get("seed")
    generator = torch.Generator().manual_seed(int(_number(request, "seed", 0, 0, 2 ** 63 - 1)) if seed is not None else 0)
    with engine.lock:
        if name != engine.served_name and name not in engine.adapters:
            raise ApiError(404, f"The model `{name}` does not exist.", "NotFoundError", "model")
        if len(prompt_ids) + max_tokens > engine.context:
            raise ApiError(400, f"This model's maximum context length is {engine.context} tokens.", param="max_tokens")
        model = engine._forward_model(name)
        with engine._base(name):
            scored = _scored(model, prompt_ids, prompt_k) if prompt_k is not None else None
            steps, finish = (generate(model, prompt_ids, max_tokens=max_tokens, temperature=temperature, top_p=1.0,
                                      generator=generator, eos_ids=engine.eos_ids) if max_tokens else ([], "length"))
    text = engine._text([s.token_id for s in steps])
    choice = {"index": 0, "text": (engine._text(prompt_ids) + text) if request.get("echo") else text, "logprobs": None,
              "finish_reason": finish, "stop_reason": None, "token_ids": [s.token_id for s in steps]}
    if scored is not None:
        choice["prompt_logprobs"] = [None] + [_entry(engine, prompt_ids, i, scored) for i in range(len(prompt_ids) - 1)]
    return {"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()), "model": name,
            "choices": [choice], "prompt_token_ids": list(prompt_ids),
            "usage": {"prompt_tokens": len(prompt_ids), "completion_tokens": len(steps), "total_tokens": len(prompt_ids) + len(steps)}}


def _entry(engine, prompt_ids, index, scored):
    picked, ranks, top = scored
    token_id = prompt_ids[index + 1]
    entry = {str(token_id): {"logprob": max(picked[index], -9999.0), "rank": int(ranks[index]), "decoded_token": engine._text([token_id])}}
    if top is not None:
        for rank, (value, alternative) in enumerate(zip(top.values[index].tolist(), top.indices[index].tolist()), start=1):
            entry.setdefault(str(alternative), {"logprob": max(value, -9999.0), "rank": rank, "decoded_token": engine._text([alternative])})
    return entry
