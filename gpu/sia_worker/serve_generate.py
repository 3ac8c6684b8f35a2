"""Token-level decoding for the policy server: sampling with a KV cache, and scoring fixed continuations.

Every logprob reported here is the raw model's (log_softmax of the logits, before temperature or top_p), as vLLM
reports them by default: that is the number a trainer recomputes by teacher forcing the same tokens, so sampler
and trainer logprobs are comparable. Temperature and top_p only shape which token is drawn."""
from dataclasses import dataclass, field

import torch


@dataclass
class Step:
    """One completion token: its id, its raw logprob, and the top-k alternatives as (id, logprob)."""
    token_id: int
    logprob: float
    top: list = field(default_factory=list)


def _step(log_probs, token_id, top_k):
    top = []
    if top_k:
        values, ids = torch.topk(log_probs, min(top_k, log_probs.shape[-1]))
        top = [(int(i), float(v)) for v, i in zip(values.tolist(), ids.tolist())]
    return Step(int(token_id), float(log_probs[token_id]), top)


def choose(weights_logits, temperature, top_p, generator):
    """Index drawn from softmax(logits / temperature) restricted to the top_p nucleus; argmax at temperature 0."""
    if temperature <= 0:
        return int(torch.argmax(weights_logits))
    probs = torch.softmax(weights_logits.double() / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        # Keep the smallest prefix whose mass reaches top_p; the first token always stays.
        keep = (torch.cumsum(sorted_probs, dim=-1) - sorted_probs) < top_p
        keep[0] = True
        filtered = torch.zeros_like(probs)
        filtered[order[keep]] = probs[order[keep]]
        probs = filtered / filtered.sum()
    return int(torch.multinomial(probs.float().cpu(), 1, generator=generator))


@torch.inference_mode()
def generate(model, prompt_ids, *, max_tokens, temperature, top_p, generator, eos_ids, top_k=0, should_stop=None):
    """Samples up to max_tokens tokens after prompt_ids; stops after an eos token (kept, as vLLM keeps it in
    token_ids) or when should_stop(ids) says a stop string appeared. Returns (steps, finish_reason)."""
    device = model.device
    steps = []
    past = None
    feed = torch.tensor([prompt_ids], device=device)
    while len(steps) < max_tokens:
        out = model(input_ids=feed, past_key_values=past, use_cache=True)
        past = out.past_key_values
        logits = out.logits[0, -1].float()
        token_id = choose(logits, temperature, top_p, generator)
        steps.append(_step(torch.log_softmax(logits, dim=-1), token_id, top_k))
        if token_id in eos_ids:
            return steps, "stop"
        if should_stop and should_stop([s.token_id for s in steps]):
            return steps, "stop"
        feed = torch.tensor([[token_id]], device=device)
    return steps, "length"


@torch.inference_mode()
def score_continuations(model, prompt_ids, continuations, *, pad_id, top_k=0):
    """Teacher-forced steps of each continuation after prompt_ids. The prompt runs once and its KV cache is shared
    by a right-padded batch of the continuations (pads sit after every real token, so causal attention never sees
    them): guided choice over 200 charges costs one prompt pass, not 200. Returns one list of Steps each."""
    device = model.device
    prompt = model(input_ids=torch.tensor([list(prompt_ids)], device=device), use_cache=True)
    first = torch.log_softmax(prompt.logits[0, -1].float(), dim=-1)
    width = max(len(c) for c in continuations)
    if width <= 1:
        return [[_step(first, c[0], top_k)] if c else [] for c in continuations]
    count, start = len(continuations), len(prompt_ids)
    ids = torch.full((count, width), pad_id, dtype=torch.long)
    mask = torch.ones((count, start + width), dtype=torch.long)
    for i, row in enumerate(continuations):
        ids[i, : len(row)] = torch.tensor(list(row))
        mask[i, start + len(row):] = 0
    past = prompt.past_key_values
    past.batch_repeat_interleave(count)
    positions = torch.arange(start, start + width, device=device).unsqueeze(0).expand(count, -1)
    logits = model(input_ids=ids.to(device), attention_mask=mask.to(device), past_key_values=past, position_ids=positions, use_cache=True).logits.float()
    log_probs = torch.log_softmax(logits, dim=-1)
    # Token 0 of every continuation is predicted by the prompt's last logits, token j > 0 by position j - 1.
    return [
        [_step(first if j == 0 else log_probs[i, j - 1], row[j], top_k) for j in range(len(row))]
        for i, row in enumerate(continuations)
    ]
