"""Per-token logprobs of the completion tokens only, in chunks, from a causal LM's last hidden state.

A full forward through `model(...)` materialises [rows, tokens, vocab] logits; for gpt-oss (vocab 201,088) and
8k-token rows that is ~6.6 GB per row in fp32, before autograd keeps a copy. Here the decoder runs without its
head, the head runs only at positions whose token is a completion token (mask = 1), `chunk` positions at a time,
and each chunk is checkpointed so backward recomputes its logits instead of keeping them: peak logits memory is
chunk × vocab whatever the batch."""
import torch
from torch.utils.checkpoint import checkpoint


def _chunk_logprobs(hidden, targets, weight, bias):
    # fp32 log-softmax: bf16 logprobs are off by ~1e-2, which alone moves PPO ratios past a 0.2 clip.
    logits = torch.nn.functional.linear(hidden, weight, bias).float()
    return torch.log_softmax(logits, dim=-1).gather(-1, targets[:, None])[:, 0]


def decoder_and_head(model):
    """(decoder stack returning last_hidden_state, lm_head) of a PeftModel or a plain transformers causal LM."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.model, base.get_output_embeddings()


def completion_logprobs(model, tokens, attention, mask, chunk, value_head=None):
    """Logprobs [N, T] (0 where mask = 0) and, with a value head, critic values [N, T].

    tokens/attention/mask: [N, T] tensors on the model's device. Position t is predicted from the hidden state at
    t − 1, so mask[:, 0] must be 0 (the worker refuses rows where it is not)."""
    decoder, head = decoder_and_head(model)
    hidden = decoder(input_ids=tokens, attention_mask=attention, use_cache=False).last_hidden_state
    rows, columns = torch.nonzero(mask[:, 1:] > 0, as_tuple=True)
    columns = columns + 1
    picked_hidden = hidden[rows, columns - 1]
    targets = tokens[rows, columns]
    pieces = []
    for start in range(0, targets.shape[0], chunk):
        args = (picked_hidden[start : start + chunk], targets[start : start + chunk], head.weight, head.bias)
        pieces.append(checkpoint(_chunk_logprobs, *args, use_reentrant=False) if torch.is_grad_enabled() else _chunk_logprobs(*args))
    values_at_mask = torch.cat(pieces) if pieces else hidden.new_zeros(0, dtype=torch.float32)
    logprobs = torch.zeros(tokens.shape, dtype=torch.float32, device=tokens.device).index_put((rows, columns), values_at_mask)
    if value_head is None:
        return logprobs, None
    # V_t estimates the return from the state before token t, i.e. the hidden state at t − 1 (V_0 = 0).
    values = value_head(hidden[:, :-1].float())[..., 0]
    return logprobs, torch.cat([torch.zeros_like(values[:, :1]), values], dim=1)


def full_vocab_logprobs(model, tokens, attention):
    """The straightforward full-logits computation, for tests that check the chunked one against it."""
    logits = model(input_ids=tokens, attention_mask=attention).logits.float()
    next_logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, tokens[:, 1:, None])[..., 0]
    return torch.cat([torch.zeros_like(next_logprobs[:, :1]), next_logprobs], dim=1)
