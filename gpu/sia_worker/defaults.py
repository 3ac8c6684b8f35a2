"""Documented defaults for the real stack (facts: reference/training-anchors.md §3, §4). TS sends every value in
the job spec; these are what gpu/README.md recommends and what modal_app.py provisions."""

GPT_OSS_120B = {
    "base_model": "openai/gpt-oss-120b",
    # Attention projections in all 36 layers: 663,552 LoRA parameters per layer at r = 32, 23.9M in all (≈48 MB
    # bf16), and served by any vLLM with --enable-lora. Expert LoRA (target_parameters
    # "mlp.experts.gate_up_proj"/"mlp.experts.down_proj", 2.12B parameters ≈ 4.2 GB) helps more per LoRA Without
    # Regret but needs vLLM ≥ 0.11.2 and a load→generate smoke test first.
    "lora": {"rank": 32, "alpha": 32, "dropout": 0.0, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"], "target_parameters": []},
    # TTT-Discover's settings for gpt-oss-120b RL with LoRA rank 32.
    "optim": {"lr": 4e-5, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8},
    # bf16 LoRA on 120b needs ≈210 GB of GPU memory for dequantised weights alone (Unsloth), so ≥ 3×H100 in
    # theory; 4 leaves room for activations with gradient checkpointing, 8 for RL-length (8k+) sequences.
    "gpus": "H100:4",
    "gpus_long_sequences": "H100:8",
}

# The tiny model for CPU tests and --tiny-random is tiny_model.py's gpt-oss (TINY_GPT_OSS); its training
# settings are profiles.py's "tiny-gpt-oss" profile.
