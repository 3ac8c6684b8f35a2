"""A LoRA adapter for the tiny random model, made the way the trainer makes one (peft save_pretrained).

Its B matrices are perturbed, because a fresh LoRA has B = 0 and would serve exactly the base model's logprobs,
which is no test of adapter switching. Also a command, so the TypeScript test can make one:
    python -m tests.serve_fixtures MODEL_DIR ADAPTER_DIR"""
import sys


def make_adapter(model_dir, adapter_dir, seed=1, scale=0.5, experts=False):
    """experts=True also adapts the MoE expert weights (peft target_parameters), the trainer's opt-in layout."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir)
    config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                        target_parameters=["mlp.experts.gate_up_proj", "mlp.experts.down_proj"] if experts else None)
    peft_model = get_peft_model(model, config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, weight in peft_model.named_parameters():
            if "lora_B" in name:
                weight.copy_(torch.randn(weight.shape, generator=generator) * scale)
    peft_model.save_pretrained(adapter_dir)
    return adapter_dir


if __name__ == "__main__":
    print(make_adapter(sys.argv[1], sys.argv[2]))
