"""The serving-parity check's two halves agree: the torch worker's parity_probe.json (the trainer's logprobs under
the adapter it just trained) and the policy server's POST /v1/completions scoring of the same token ids under that
adapter, hot-loaded by name, over real HTTP. fp32 on CPU: within 1e-3 (measured ~5e-7)."""
import importlib.util
import json
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from pathlib import Path

HAVE_TORCH = all(importlib.util.find_spec(name) for name in ("torch", "transformers", "peft"))


@unittest.skipUnless(HAVE_TORCH, "torch, transformers and peft are needed (gpu/.venv has them)")
class ServingParityTest(unittest.TestCase):
    def setUp(self):
        from sia_worker.serve import load_engine, start_server
        from sia_worker.torch_backend import ensure_tiny_model, tiny_model_dir
        from sia_worker.worker import run_job
        from tests.torch_helpers import text_row, tiny_job

        self.tmp = tempfile.TemporaryDirectory()
        rows = [text_row("Q: pick. A:", " yes", 1.0, "t0"), text_row("Q: pick. A:", " no!", -1.0, "t1"),
                text_row("Hello there, ", "general", 0.5, "t2")]
        job_path, _ = tiny_job(Path(self.tmp.name), rows)
        self.adapter = Path(run_job(job_path, backend="torch", tiny_random=True, log=lambda _: None)["adapter_dir"])
        self.engine = load_engine(model=str(ensure_tiny_model(tiny_model_dir())), served_name="base")
        self.server = start_server(self.engine)
        self.url = "http://%s:%d/v1" % self.server.server_address[:2]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.tmp.cleanup()

    def post(self, path, body):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            text = response.read().decode()
            return json.loads(text) if text.startswith("{") else text

    def served_logprobs(self, model, prompt, completion):
        answer = self.post("/completions", {"model": model, "prompt": prompt + completion, "max_tokens": 1, "temperature": 0, "prompt_logprobs": 0})
        self.assertEqual(answer["model"], model)
        entries = answer["choices"][0]["prompt_logprobs"][len(prompt):]
        return [entry[str(token)]["logprob"] for entry, token in zip(entries, completion)]

    def test_the_server_scores_the_probe_as_the_trainer_did_under_the_new_adapter_only(self):
        probe = json.loads((self.adapter / "parity_probe.json").read_text())
        self.assertEqual(probe["dtype"], "float32")
        self.assertEqual([len(s["completion_token_ids"]) for s in probe["sequences"]], [4, 4, 7])
        manifest = json.loads((self.adapter / "manifest.json").read_text())
        self.assertIn("parity_probe.json", manifest["files"])
        self.post("/load_lora_adapter", {"lora_name": "trained", "lora_path": str(self.adapter)})
        gaps, base_gaps = [], []
        for sequence in probe["sequences"]:
            prompt, completion, trained = sequence["prompt_token_ids"], sequence["completion_token_ids"], sequence["logprobs"]
            gaps += [abs(a - b) for a, b in zip(self.served_logprobs("trained", prompt, completion), trained)]
            base_gaps += [abs(a - b) for a, b in zip(self.served_logprobs("base", prompt, completion), trained)]
        self.assertEqual(len(gaps), 15)
        self.assertLess(max(gaps), 1e-3)
        self.assertGreater(max(base_gaps), 1e-2)  # the adapter moved these tokens: the check can fail

    def test_prompt_logprobs_name_the_first_token_null_and_refuse_ids_outside_the_vocabulary(self):
        answer = self.post("/completions", {"model": "base", "prompt": [5, 6, 7], "max_tokens": 0, "prompt_logprobs": 2})
        scored = answer["choices"][0]["prompt_logprobs"]
        self.assertIsNone(scored[0])
        self.assertEqual(len(scored), 3)
        self.assertIn("6", scored[1])
        self.assertGreaterEqual(len(scored[1]), 2)
        request = urllib.request.Request(self.url + "/completions", data=json.dumps({"model": "base", "prompt": [10 ** 9]}).encode())
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=60)
        self.assertEqual(caught.exception.code, 400)


if __name__ == "__main__":
    unittest.main()
