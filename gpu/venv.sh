#!/usr/bin/env bash
# Makes gpu/.venv with the CPU stack of gpu/requirements-cpu.txt, unless it is already there for these pins.
# Where pip's configuration names local indexes (as on CI), they replace the default index: the default one is
# unreachable there and pip would stall about two minutes per package retrying it.
set -euo pipefail
cd "$(dirname "$0")"
requirements=requirements-cpu.txt
stamp=.venv/.sia-requirements
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then exit 0; fi
echo "gpu/venv.sh: creating gpu/.venv from $requirements (about 2 minutes)" >&2
python3 -m venv --clear .venv
args=(--quiet --disable-pip-version-check)
extra="$(pip config get global.extra-index-url 2>/dev/null || true)"
if [ -n "$extra" ]; then
  read -r -a indexes <<<"$extra"
  args+=(--index-url "${indexes[0]}")
  for index in "${indexes[@]:1}"; do args+=(--extra-index-url "$index"); done
fi
links="$(pip config get global.find-links 2>/dev/null || true)"
[ -n "$links" ] && args+=(--find-links "$links")
.venv/bin/pip install "${args[@]}" -r "$requirements" 2> >(grep -v "is neither a file nor a directory" >&2)
echo "$wanted" >"$stamp"
