#!/usr/bin/env bash
# Create bench/.venv-peers: the baselines and peer systems the benchmarks compare the bot against
# (bm25s, txtai, LlamaIndex with FAISS) and matplotlib for the plots. torch is pinned in
# peers/requirements.txt to the CPU wheel; the peers load the project's model from its local folder.
# They live apart from the product's .venv so nothing the product does not declare can leak into it.
# Usage: bash bench/setup_peers.sh   (idempotent; re-run after editing bench/peers/requirements.txt)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-peers"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$here/peers/requirements.txt"
echo "peers ready in $venv"
