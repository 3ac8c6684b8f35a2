"""A tiny randomly initialised gpt-oss model with a real byte-level tokenizer, built offline and saved to a folder.

Nothing can be downloaded from model hubs here, so the trainer, the policy server and the tests all load this
folder with `from_pretrained` exactly as they would a real checkpoint: one tokenizer and one chat template for
every component. The architecture is gpt-oss (MoE experts, attention sinks) because that is what the mission
targets; expert LoRA needs `target_parameters`, which a Llama stand-in would never exercise."""
import json
from pathlib import Path

# Small enough to train on CPU in seconds; still two layers (one sliding, one full attention) and 4 experts.
TINY_GPT_OSS = {
    "hidden_size": 64,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "num_local_experts": 4,
    "num_experts_per_tok": 2,
    "max_position_embeddings": 4096,
    "sliding_window": 128,
    "layer_types": ["sliding_attention", "full_attention"],
    # gpt-oss ships YaRN scaling for 131k context; a 4k toy keeps plain RoPE so no scaling warning fires.
    "rope_parameters": {"rope_type": "default", "rope_theta": 150000.0},
}

# Harmony-like markers; every byte is its own token besides these, so any text round-trips exactly.
SPECIAL_TOKENS = ["<|endoftext|>", "<|start|>", "<|message|>", "<|end|>", "<|return|>", "<|pad|>"]

CHAT_TEMPLATE = (
    "{% for message in messages %}<|start|>{{ message['role'] }}<|message|>{{ message['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|start|>assistant<|message|>{% endif %}"
)

BUILD_MARKER = "sia-tiny-random.json"


def build_tokenizer():
    """A byte-level tokenizer (256 byte tokens + the special markers) wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {symbol: index for index, symbol in enumerate(sorted(alphabet))}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    core.add_special_tokens(SPECIAL_TOKENS)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token="<|return|>", pad_token="<|pad|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_tiny_random(folder, seed=0):
    """Writes the model and tokenizer to `folder` unless a build with the same seed is already there; returns it."""
    folder = Path(folder)
    marker = folder / BUILD_MARKER
    wanted = {"seed": seed, "config": TINY_GPT_OSS}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return folder
    import torch
    from transformers import AutoModelForCausalLM, GptOssConfig

    tokenizer = build_tokenizer()
    torch.manual_seed(seed)
    config = GptOssConfig(
        vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=False, **TINY_GPT_OSS,
    )
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    marker.write_text(json.dumps(wanted))
    return folder


def load_tiny_random(folder, seed=0):
    """The saved tiny model and tokenizer, loaded the way every component loads a real checkpoint."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    build_tiny_random(folder, seed)
    return AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


if __name__ == "__main__":
    import sys

    print(build_tiny_random(sys.argv[1] if len(sys.argv) > 1 else "tiny-gpt-oss"))
