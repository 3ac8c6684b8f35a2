"""Reading, checking and padding batch rows (gpu/schema/batch-row.schema.json) into [rows, tokens] arrays."""
import hashlib
import json

import numpy as np

from .schema_check import SchemaError, check_row_lengths, load_schema, validate


def read_rows(path, expected_sha256, expected_rows):
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected_sha256:
        raise SchemaError("job.data.sha256", f"batch {path} has sha256 {digest}, the job says {expected_sha256}")
    schema = load_schema("batch-row.schema.json")
    rows = []
    for number, line in enumerate(raw.decode().splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        validate(row, schema, f"rows[{number}]")
        check_row_lengths(row, f"rows[{number}]")
        rows.append(row)
    if len(rows) != expected_rows:
        raise SchemaError("job.data.n_rows", f"batch has {len(rows)} rows, the job says {expected_rows}")
    return rows


def check_rows_fit_loss(rows, kind):
    """DPO needs preference rows, every other loss sequence rows with the per-token field it reads; refuses rows
    no token-level backend can represent."""
    for index, row in enumerate(rows):
        is_preference = "chosen" in row
        for side, sequence in ([("chosen", row["chosen"]), ("rejected", row["rejected"])] if is_preference else [(None, row)]):
            field = f"rows[{index}]" + (f".{side}" if side else "")
            if sequence["mask"] and sequence["mask"][0] == 1:
                if "candidates" in (sequence.get("context") or {}):
                    # The tiny TS policy reports no prompt tokens: its row is a candidate index, not token ids.
                    raise SchemaError(f"{field}.mask", "is a tiny-policy row (a candidate index with no prompt tokens): only --trainer tiny trains it")
                # Position 0 has no preceding token, so there is no logprob to train there.
                raise SchemaError(f"{field}.mask", "mask[0] is 1, but position 0 has no prediction (its logprob is undefined); send the prompt tokens with mask 0")
        if (kind == "dpo") != is_preference:
            wanted = "preference rows (chosen/rejected)" if kind == "dpo" else "sequence rows (tokens/mask)"
            raise SchemaError(f"rows[{index}]", f"loss.kind {kind!r} needs {wanted}")
        needed = {"ppo_gae": "rewards", "is": "advantages", "ppo_clip": "advantages", "cispo": "advantages"}.get(kind)
        if needed and row.get(needed) is None:
            raise SchemaError(f"rows[{index}].{needed}", f"is required by loss.kind {kind!r}")


def pad(sequences, length, fill=0.0, dtype=np.float64):
    out = np.full((len(sequences), length), fill, dtype=dtype)
    for index, values in enumerate(sequences):
        out[index, : len(values)] = values
    return out


def pad_sequence_rows(rows):
    """Numpy arrays for the loss: tokens, mask, sampler_logprobs and, where every row has them, the optional fields."""
    length = max((len(row["tokens"]) for row in rows), default=1) or 1
    arrays = {
        "tokens": pad([row["tokens"] for row in rows], length, 0, np.int64),
        "mask": pad([row["mask"] for row in rows], length),
        "sampler_logprobs": pad([row["sampler_logprobs"] for row in rows], length),
    }
    for name in ("advantages", "rewards", "ref_logprobs"):
        if all(row.get(name) is not None for row in rows):
            arrays[name] = pad([row[name] for row in rows], length)
    return arrays


def pad_preference_rows(rows):
    arrays = {}
    for side in ("chosen", "rejected"):
        sides = [row[side] for row in rows]
        length = max((len(s["tokens"]) for s in sides), default=1) or 1
        arrays[side] = {"tokens": pad([s["tokens"] for s in sides], length, 0, np.int64), "mask": pad([s["mask"] for s in sides], length)}
    for name in ("ref_lp_chosen", "ref_lp_rejected"):
        if all(row[name] is not None for row in rows):
            arrays[name] = np.asarray([row[name] for row in rows], dtype=np.float64)
    return arrays


def minibatches(rows, count, rng):
    """Shuffled, nearly equal slices; `count` is capped so no minibatch is empty."""
    order = rng.permutation(len(rows))
    count = max(1, min(count, len(rows)))
    return [[rows[i] for i in part] for part in np.array_split(order, count)]


def advantage_stats(rows):
    values = [a for row in rows if row.get("advantages") for a, m in zip(row["advantages"], row["mask"]) if m]
    if not values:
        return {}
    return {"adv_mean": float(np.mean(values)), "adv_std": float(np.std(values))}
