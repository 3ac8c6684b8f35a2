"""A policy server that speaks the part of vLLM's OpenAI API sia uses, on transformers + peft.

    python -m sia_worker.serve --tiny-random --port 0            # tiny random gpt-oss, no download
    python -m sia_worker.serve --model openai/gpt-oss-20b --port 8000

Routes: GET /v1/models, POST /v1/chat/completions, POST /v1/completions (scoring token ids: serve_score.py), POST /v1/load_lora_adapter, POST /v1/unload_lora_adapter,
GET /health. It exists so the whole weights loop (sample → train → load adapter → sample under it) runs on a box
without vLLM, CPU included; vLLM stays the production server. Built on the stdlib HTTP server so the worker's
environment needs nothing beyond torch/transformers/peft. Requests are served one at a time (one model lock)."""
import argparse
import json
import sys
import tempfile
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .serve_engine import ApiError, PolicyEngine
from .serve_score import complete

TINY_SERVED_NAME = "sia/tiny-random-gpt-oss"
MAX_BODY = 64 * 1024 * 1024


def make_handler(engine, api_key=None):
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps the SDK's connections alive; every answer therefore carries Content-Length.
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # one line per request on stderr is noise in test output
            return

        def _send(self, status, payload, content_type="application/json"):
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ApiError(413, f"request body over {MAX_BODY} bytes")
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError as error:
                raise ApiError(400, f"request body is not JSON: {error}") from error
            if not isinstance(body, dict):
                raise ApiError(400, "request body must be a JSON object")
            return body

        def _authorize(self):
            if api_key and self.headers.get("Authorization") != f"Bearer {api_key}":
                raise ApiError(401, "Unauthorized", "AuthenticationError")

        def _handle(self, method):
            path = self.path.split("?", 1)[0].rstrip("/")
            try:
                if method == "GET" and path == "/health":
                    return self._send(200, "", "text/plain")
                self._authorize()
                route = ROUTES.get((method, path))
                if route is None:
                    raise ApiError(404, f"{method} {path} is not served here", "NotFoundError")
                result = route(engine, self._body() if method == "POST" else None)
                # vLLM answers adapter loads with plain text and everything else with JSON.
                self._send(200, result, "text/plain; charset=utf-8" if isinstance(result, str) else "application/json")
            except ApiError as error:
                self._send(error.status, error.body())
            except Exception as error:  # a bug answers 500 in OpenAI's shape and leaves the server up
                traceback.print_exc(file=sys.stderr)
                self._send(500, ApiError(500, f"{type(error).__name__}: {error}", "InternalServerError").body())

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

    return Handler


ROUTES = {
    ("GET", "/v1/models"): lambda engine, _: engine.list_models(),
    ("POST", "/v1/chat/completions"): lambda engine, body: engine.chat(body),
    ("POST", "/v1/completions"): lambda engine, body: complete(engine, body),
    ("POST", "/v1/load_lora_adapter"): lambda engine, body: engine.load_adapter(body.get("lora_name"), body.get("lora_path")),
    ("POST", "/v1/unload_lora_adapter"): lambda engine, body: engine.unload_adapter(body.get("lora_name")),
}


def load_engine(model=None, tiny_random=False, model_dir=None, served_name=None, device=None, default_max_tokens=512):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if tiny_random:
        from .tiny_model import build_tiny_random

        model = str(build_tiny_random(model_dir or Path(tempfile.gettempdir()) / "sia-tiny-random-gpt-oss"))
        served_name = served_name or TINY_SERVED_NAME
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.float32 if device == "cpu" else "auto"
    loaded = AutoModelForCausalLM.from_pretrained(model, dtype=dtype).to(device)
    tokenizer = AutoTokenizer.from_pretrained(model)
    return PolicyEngine(loaded, tokenizer, served_name or model, model, default_max_tokens=default_max_tokens)


def start_server(engine, host="127.0.0.1", port=0, api_key=None):
    """Binds (port 0 picks a free one) and returns the server; the caller runs serve_forever."""
    server = ThreadingHTTPServer((host, port), make_handler(engine, api_key))
    server.daemon_threads = True
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sia_worker.serve", description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="Hugging Face name or local folder of the base model")
    which.add_argument("--tiny-random", action="store_true", help="a tiny random gpt-oss built offline (tests)")
    parser.add_argument("--model-dir", help="where --tiny-random builds its model (default: a temp folder)")
    parser.add_argument("--served-model-name", help="the base model's id in the API (default: --model)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 … (default: cuda when available)")
    parser.add_argument("--api-key", help="require this bearer token, like vllm serve --api-key")
    parser.add_argument("--default-max-tokens", type=int, default=512, help="completion length when max_tokens is unset")
    parser.add_argument("--cpu-threads", type=int, help="torch CPU threads (default: 1 for --tiny-random, else torch's)")
    args = parser.parse_args(argv)
    threads = args.cpu_threads or (1 if args.tiny_random else None)
    if threads:
        import torch

        # The tiny model's matrices are far too small to split: on a loaded 2-core box 2 threads decode at
        # 15-29 tokens/s and 1 thread at 380-530 (the threads spend their time synchronising, not multiplying).
        torch.set_num_threads(threads)
    engine = load_engine(args.model, args.tiny_random, args.model_dir, args.served_model_name, args.device,
                         args.default_max_tokens)
    server = start_server(engine, args.host, args.port, args.api_key)
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
