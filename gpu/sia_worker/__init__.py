"""sia gpu worker: trains a LoRA adapter from a `sia.train-job/v1` job spec and a batch (training-anchors.md §5)."""
