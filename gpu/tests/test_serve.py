"""The policy server (sia_worker.serve) over real HTTP on loopback, with the tiny random gpt-oss and a perturbed
LoRA adapter. The oracle for every number is the model itself run directly (teacher forcing), not the server.
Skipped where torch/transformers/peft are missing (the system python3 of the numpy-only suite)."""
import importlib.util
import json
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from pathlib import Path

HAVE_TORCH = all(importlib.util.find_spec(name) for name in ("torch", "transformers", "peft"))
MESSAGES = [{"role": "user", "content": "Pick one."}]


@unittest.skipUnless(HAVE_TORCH, "torch, transformers and peft are needed (gpu/.venv has them)")
class PolicyServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import torch
        from sia_worker.serve import TINY_SERVED_NAME, load_engine, start_server
        from sia_worker.tiny_model import build_tiny_random
        from tests.serve_fixtures import make_adapter

        torch.set_num_threads(1)  # as serve.py does for --tiny-random: tiny matrices decode faster on one thread
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.model_dir = str(build_tiny_random(root / "model"))
        cls.adapter_dir = make_adapter(cls.model_dir, str(root / "adapter"))
        cls.engine = load_engine(tiny_random=True, model_dir=cls.model_dir)
        cls.base = TINY_SERVED_NAME
        cls.server = start_server(cls.engine)
        cls.url = "http://%s:%d" % cls.server.server_address[:2]
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.tmp.cleanup()

    def call(self, path, body=None, raw=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text.startswith("{") else text
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read().decode())

    def chat(self, **body):
        status, answer = self.call("/v1/chat/completions", dict({"model": self.base, "messages": MESSAGES}, **body))
        self.assertEqual(status, 200, answer)
        return answer

    def teacher_forced(self, prompt_ids, completion_ids, adapter=None):
        """Logprobs of completion_ids after prompt_ids, from one plain forward pass of the model."""
        import torch
        from peft import PeftModel
        from transformers import AutoModelForCausalLM

        if adapter:  # peft wraps the model in place, so the adapter gets its own copy of the base
            model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(self.model_dir), adapter).eval()
        else:
            type(self).plain = getattr(type(self), "plain", None) or AutoModelForCausalLM.from_pretrained(self.model_dir).eval()
            model = self.plain
        ids = torch.tensor([prompt_ids + completion_ids])
        with torch.inference_mode():
            log_probs = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
        return [float(log_probs[len(prompt_ids) + i - 1, t]) for i, t in enumerate(completion_ids)]

    def test_sampling_is_seeded_and_reports_the_models_own_logprobs_and_token_ids(self):
        first = self.chat(max_tokens=12, seed=7, temperature=0.8, logprobs=True, top_logprobs=3, return_token_ids=True)
        again = self.chat(max_tokens=12, seed=7, temperature=0.8, logprobs=True, top_logprobs=3, return_token_ids=True)
        other = self.chat(max_tokens=12, seed=8, return_token_ids=True)
        choice = first["choices"][0]
        self.assertEqual(choice["token_ids"], again["choices"][0]["token_ids"])
        self.assertNotEqual(choice["token_ids"], other["choices"][0]["token_ids"])
        self.assertEqual(len(choice["token_ids"]), 12)
        self.assertEqual(choice["finish_reason"], "length")
        self.assertEqual(first["usage"], {"prompt_tokens": len(first["prompt_token_ids"]), "completion_tokens": 12,
                                          "total_tokens": len(first["prompt_token_ids"]) + 12})
        template = self.engine.tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
        self.assertEqual(first["prompt_token_ids"], self.engine.tokenizer(template, add_special_tokens=False).input_ids)
        served = [entry["logprob"] for entry in choice["logprobs"]["content"]]
        expected = self.teacher_forced(first["prompt_token_ids"], choice["token_ids"])
        for got, want in zip(served, expected, strict=True):
            self.assertAlmostEqual(got, want, places=4)
        entry = choice["logprobs"]["content"][0]
        self.assertEqual(sorted(entry), ["bytes", "logprob", "token", "top_logprobs"])
        tops = [top["logprob"] for top in entry["top_logprobs"]]
        self.assertEqual(len(tops), 3)
        self.assertEqual(tops, sorted(tops, reverse=True))
        self.assertLessEqual(entry["logprob"], tops[0])
        # The bytes of the non-special tokens spell the content (a byte-level token may hold part of a character).
        special = {i for i, t in self.engine.tokenizer.added_tokens_decoder.items() if t.special}
        spelled = b"".join(bytes(e["bytes"]) for e, t in zip(choice["logprobs"]["content"], choice["token_ids"]) if t not in special)
        self.assertEqual(spelled.decode("utf-8", errors="replace"), choice["message"]["content"])
        self.assertEqual(choice["message"]["content"], self.engine.tokenizer.decode(choice["token_ids"], skip_special_tokens=True))

    def test_tokens_as_token_ids_name_each_sampled_token(self):
        answer = self.chat(max_tokens=4, seed=3, logprobs=True, return_tokens_as_token_ids=True, return_token_ids=True)
        choice = answer["choices"][0]
        self.assertEqual([e["token"] for e in choice["logprobs"]["content"]], [f"token_id:{t}" for t in choice["token_ids"]])

    def test_guided_choice_at_temperature_zero_follows_the_greedy_masked_path(self):
        # vLLM masks token by token: the choices start with different tokens, so at temperature 0 the answer is
        # the choice whose first token the model ranks highest, spelled to its end (then eos).
        choices = ["abc", "xyz", "qrs", "klm"]
        answer = self.chat(guided_choice=choices, temperature=0, logprobs=True, return_token_ids=True)
        prompt = answer["prompt_token_ids"]
        eos = self.engine.tokenizer.eos_token_id
        spelled = {c: self.engine.tokenizer(c, add_special_tokens=False).input_ids + [eos] for c in choices}
        totals = {c: sum(self.teacher_forced(prompt, ids)) for c, ids in spelled.items()}
        first = {c: self.teacher_forced(prompt, ids)[0] for c, ids in spelled.items()}
        best = max(first, key=first.get)
        choice = answer["choices"][0]
        self.assertEqual(choice["message"]["content"], best)
        self.assertEqual(choice["token_ids"], spelled[best])
        self.assertAlmostEqual(sum(e["logprob"] for e in choice["logprobs"]["content"]), totals[best], places=4)
        newer = self.chat(structured_outputs={"choice": choices}, temperature=0)
        self.assertEqual(newer["choices"][0]["message"]["content"], best)

    def test_guided_choice_samples_every_choice_at_high_temperature(self):
        # First-token logprobs differ by a few nats at most under a random model, so at temperature 2 each of two
        # choices turns up within 40 seeds unless the sampler ignores the seed or always takes the argmax.
        picks = {self.chat(guided_choice=["yes", "no"], temperature=2, seed=s)["choices"][0]["message"]["content"]
                 for s in range(40)}
        self.assertEqual(picks, {"yes", "no"})

    def test_an_eos_token_ends_the_completion_and_is_kept_in_token_ids(self):
        saved = self.engine.eos_ids
        self.engine.eos_ids = set(range(len(self.engine.tokenizer)))  # every token ends the answer
        try:
            answer = self.chat(max_tokens=10, seed=1, return_token_ids=True)
        finally:
            self.engine.eos_ids = saved
        self.assertEqual(len(answer["choices"][0]["token_ids"]), 1)
        self.assertEqual(answer["choices"][0]["finish_reason"], "stop")

    def test_a_stop_string_ends_the_completion_and_is_left_out_of_the_content(self):
        full = self.chat(max_tokens=24, seed=11, return_token_ids=True)["choices"][0]
        stop = next(ch for ch in full["message"]["content"][1:] if ch.isascii() and ch.isalnum())
        cut = self.chat(max_tokens=24, seed=11, stop=[stop], return_token_ids=True)["choices"][0]
        self.assertEqual(cut["message"]["content"], full["message"]["content"].split(stop, 1)[0])
        self.assertEqual(cut["finish_reason"], "stop")
        self.assertEqual(cut["token_ids"], full["token_ids"][: len(cut["token_ids"])])
        self.assertLess(len(cut["token_ids"]), len(full["token_ids"]))

    def test_an_adapter_loads_serves_other_logprobs_leaves_the_base_alone_and_unloads(self):
        before = self.chat(max_tokens=6, seed=5, logprobs=True, return_token_ids=True)
        status, text = self.call("/v1/load_lora_adapter", {"lora_name": "policy-v0001", "lora_path": self.adapter_dir})
        self.assertEqual((status, text), (200, "Success: LoRA adapter 'policy-v0001' added successfully."))
        # A failure below must not leave the adapter loaded for the other tests (unloading twice is a harmless 404).
        self.addCleanup(self.call, "/v1/unload_lora_adapter", {"lora_name": "policy-v0001"})
        status, models = self.call("/v1/models")
        self.assertEqual(status, 200)
        self.assertEqual([(m["id"], m["parent"], m["root"]) for m in models["data"]],
                         [(self.base, None, self.model_dir), ("policy-v0001", self.base, self.adapter_dir)])
        tuned = self.chat(model="policy-v0001", max_tokens=6, seed=5, logprobs=True, return_token_ids=True)
        base = self.chat(max_tokens=6, seed=5, logprobs=True, return_token_ids=True)
        self.assertEqual(tuned["model"], "policy-v0001")
        self.assertEqual(base["choices"][0], before["choices"][0])
        prompt, ids = tuned["prompt_token_ids"], tuned["choices"][0]["token_ids"]
        served = [e["logprob"] for e in tuned["choices"][0]["logprobs"]["content"]]
        for got, want in zip(served, self.teacher_forced(prompt, ids, adapter=self.adapter_dir), strict=True):
            self.assertAlmostEqual(got, want, places=4)
        base_on_same = self.teacher_forced(prompt, ids)
        self.assertGreater(max(abs(a - b) for a, b in zip(served, base_on_same)), 0.01)
        status, text = self.call("/v1/unload_lora_adapter", {"lora_name": "policy-v0001"})
        self.assertEqual((status, text), (200, "Success: LoRA adapter 'policy-v0001' removed successfully."))
        self.assertEqual([m["id"] for m in self.call("/v1/models")[1]["data"]], [self.base])
        self.assertEqual(self.chat(max_tokens=6, seed=5, logprobs=True, return_token_ids=True)["choices"][0], before["choices"][0])

    def test_an_expert_lora_loads_and_serves_the_same_tokens_with_other_logprobs(self):
        from tests.serve_fixtures import make_adapter

        experts = make_adapter(self.model_dir, str(Path(self.tmp.name) / "experts"), seed=2, experts=True)
        forced = {"guided_choice": ["theft"], "temperature": 0, "logprobs": True, "return_token_ids": True}
        base = self.chat(**forced)
        self.assertEqual(self.call("/v1/load_lora_adapter", {"lora_name": "experts", "lora_path": experts})[0], 200)
        self.addCleanup(self.call, "/v1/unload_lora_adapter", {"lora_name": "experts"})
        tuned = self.chat(model="experts", **forced)
        self.assertEqual(tuned["choices"][0]["token_ids"], base["choices"][0]["token_ids"])
        served = [e["logprob"] for e in tuned["choices"][0]["logprobs"]["content"]]
        want = self.teacher_forced(tuned["prompt_token_ids"], tuned["choices"][0]["token_ids"], adapter=experts)
        for got, expected in zip(served, want, strict=True):
            self.assertAlmostEqual(got, expected, places=4)
        self.assertGreater(max(abs(a["logprob"] - b) for a, b in zip(base["choices"][0]["logprobs"]["content"], served)), 0.01)

    def test_errors_come_in_openai_shape_with_vllm_statuses(self):
        broken = Path(self.tmp.name) / "broken"
        broken.mkdir(exist_ok=True)
        (broken / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4, "target_modules": ["no_such_module"]}))
        self.assertEqual(self.call("/v1/load_lora_adapter", {"lora_name": "dup", "lora_path": self.adapter_dir})[0], 200)
        try:
            cases = [
                (self.call("/v1/load_lora_adapter", {"lora_name": "dup", "lora_path": self.adapter_dir}), 400, "already been loaded"),
                (self.call("/v1/load_lora_adapter", {"lora_name": "gone", "lora_path": "/nonexistent/x"}), 404, "No adapter found"),
                (self.call("/v1/load_lora_adapter", {"lora_name": "half"}), 400, "must be provided"),
                (self.call("/v1/load_lora_adapter", {"lora_name": "broken", "lora_path": str(broken)}), 400, "no_such_module"),
                (self.call("/v1/unload_lora_adapter", {"lora_name": "never"}), 404, "cannot be found"),
                (self.call("/v1/chat/completions", {"model": "nope", "messages": MESSAGES}), 404, "does not exist"),
                (self.call("/v1/chat/completions", {"model": self.base, "messages": MESSAGES, "n": 2}), 400, "n=1"),
                (self.call("/v1/chat/completions", {"model": self.base, "messages": MESSAGES, "stream": True}), 400, "stream"),
                (self.call("/v1/chat/completions", {"model": self.base, "messages": []}), 400, "messages"),
                (self.call("/v1/chat/completions", {"model": self.base, "messages": MESSAGES, "max_tokens": 10 ** 6}), 400, "context length"),
                (self.call("/v1/chat/completions", raw=b"{not json"), 400, "not JSON"),
                (self.call("/v1/embeddings", {}), 404, "not served"),
                (self.call("/v1/completions", {"model": "nope", "prompt": [1, 2]}), 404, "does not exist"),
                (self.call("/v1/completions", {"model": self.base, "prompt": []}), 400, "prompt"),
            ]
        finally:
            self.call("/v1/unload_lora_adapter", {"lora_name": "dup"})
        for (status, body), want_status, fragment in cases:
            self.assertEqual(status, want_status, body)
            self.assertEqual(sorted(body["error"]), ["code", "message", "param", "type"])
            self.assertEqual(body["error"]["code"], want_status)
            self.assertIn(fragment, body["error"]["message"])
        self.assertEqual([m["id"] for m in self.call("/v1/models")[1]["data"]], [self.base])
        self.assertEqual(self.chat(max_tokens=2, seed=1)["choices"][0]["finish_reason"], "length")  # still serving


if __name__ == "__main__":
    unittest.main()
