"""The trainer's side of the serving-parity check: after training, the first sequences' token ids and the
trainer's logprobs of their completion tokens under the new adapter, written next to the adapter.

sia asks the policy server to score the same token ids under the loaded adapter and records how far the two
disagree (serving.parity_checked): a different tokenizer, chat template, dtype, kernel or a LoRA the server
applies differently shows up there instead of silently skewing importance ratios. Eval mode: the server runs
without dropout, so the trainer must too."""
import json

PROBE_FILE = "parity_probe.json"
PROBE_ROWS = 4
PROBE_COMPLETION_TOKENS = 64


def probe_sequences(rows):
    """(prompt ids, completion ids) per probed row: the tokens before the first mask = 1 position and at most
    PROBE_COMPLETION_TOKENS completion tokens after it (the contiguous run starting there)."""
    picked = []
    for row in rows:
        sequence = row["chosen"] if "chosen" in row else row
        tokens, mask = list(sequence["tokens"]), list(sequence["mask"])
        if 1 not in mask[1:]:
            continue
        start = mask.index(1, 1)
        end = start
        while end < len(mask) and mask[end] == 1 and end - start < PROBE_COMPLETION_TOKENS:
            end += 1
        picked.append((tokens[:start], tokens[start:end]))
        if len(picked) == PROBE_ROWS:
            break
    return picked


def write_parity_probe(backend, rows, out_dir, dtype):
    """Writes PROBE_FILE with the backend's logprobs (torch backend only: the toy model is served by nobody)."""
    sequences = probe_sequences(rows)
    if not sequences:
        return None
    backend.model.eval()
    try:
        with backend.torch.no_grad():
            full = [prompt + completion for prompt, completion in sequences]
            masks = [[0] * len(prompt) + [1] * len(completion) for prompt, completion in sequences]
            logprobs, _ = backend.forward(full, masks)
    finally:
        backend.model.train()
    probe = {
        "dtype": dtype,
        "sequences": [
            {
                "prompt_token_ids": prompt,
                "completion_token_ids": completion,
                "logprobs": [float(v) for v in logprobs[index, len(prompt) : len(prompt) + len(completion)].cpu().tolist()],
            }
            for index, (prompt, completion) in enumerate(sequences)
        ],
    }
    (out_dir / PROBE_FILE).write_text(json.dumps(probe) + "\n")
    return probe
