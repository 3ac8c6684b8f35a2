"""Refuses LoRA targets that match nothing in the base model, before PEFT silently trains a partial adapter.

PEFT raises only when NO target module matches at all, and a list with one typo among valid names trains
without the misspelt one; an unmatched `target_parameters` entry is easy to miss the same way. Each entry
must match something, with PEFT's own rules: a list entry matches a module (parameter) whose name equals it
or ends with "." + it; a string other than "all-linear" is a regular expression over the full module name."""
import re

from .schema_check import SchemaError


def _matches(name, key):
    return name == key or name.endswith("." + key)


def check_targets_match(model, target_modules, target_parameters, base_name):
    module_names = [name for name, _ in model.named_modules() if name]
    if isinstance(target_modules, str):
        if target_modules != "all-linear" and not any(re.fullmatch(target_modules, name) for name in module_names):
            raise SchemaError("job.lora.target_modules", f"the pattern {target_modules!r} matches no module of {base_name}")
    else:
        leaves = sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules() if type(module).__name__ == "Linear"})
        for key in target_modules:
            if not any(_matches(name, key) for name in module_names):
                raise SchemaError("job.lora.target_modules", f"{key!r} matches no module of {base_name} (its linear layers: {', '.join(leaves)})")
    parameter_names = [name for name, _ in model.named_parameters()]
    for key in target_parameters:
        if not any(_matches(name, key) for name in parameter_names):
            raise SchemaError("job.lora.target_parameters", f"{key!r} matches no parameter of {base_name}")
