"""Token-level decoding for the policy server: sampling with a KV cache, free or restricted to guided choices.

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
def guided_generate(model, prompt_ids, spelled, *, temperature, top_p, generator, top_k=0):
    """Guided choice the way vLLM decodes it: token by token, each step sampled from the model's distribution
    restricted to the tokens that continue a choice still possible (every spelled choice ends with eos, so the
    answer is complete when its eos is drawn). Reported logprobs stay the raw model's. Returns (steps, index)."""
    device = model.device
    alive, steps, past, position = list(range(len(spelled))), [], None, 0
    feed = torch.tensor([list(prompt_ids)], device=device)
    while True:
        out = model(input_ids=feed, past_key_values=past, use_cache=True)
        past = out.past_key_values
        log_probs = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        allowed = torch.tensor(sorted({spelled[i][position] for i in alive}), device=log_probs.device)
        masked = torch.full_like(log_probs, float("-inf"))
        masked[allowed] = log_probs[allowed]
        token_id = choose(masked, temperature, top_p, generator)
        steps.append(_step(log_probs, token_id, top_k))
        alive = [i for i in alive if spelled[i][position] == token_id]
        position += 1
        done = [i for i in alive if len(spelled[i]) == position]
        if done:
            return steps, done[0]
        feed = torch.tensor([[token_id]], device=device)
