#!/usr/bin/env bash
# Distributed training on one or more nodes with torchrun.
# Usage: bash tools/dist_train.sh CONFIG GPUS [train.py args...]
# Env overrides: NNODES (1), NODE_RANK (0), PORT (29500), MASTER_ADDR (127.0.0.1),
# PYTHON (default: the active environment, else ~/.cache/mmvrl/venv).
# On CPU-only machines add
# --cfg-options env_cfg.dist_cfg.backend=gloo.
set -e
if [ $# -lt 2 ]; then
    echo "Usage: $0 CONFIG GPUS [train.py args...]" >&2
    exit 2
fi

CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tools/_find_python.sh
source "$TOOLS_DIR/_find_python.sh"

PYTHONPATH="$(dirname "$TOOLS_DIR")${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS_DIR/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
