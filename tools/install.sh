#!/usr/bin/env bash
# Creates (if missing) and fills the MMVRL Python environment. Idempotent: a second run with the same
# requirements only checks a stamp. mmcv 2.1.0 has no wheel for torch 2.14, so it is compiled once from
# the sdist (C++20, ops on) and the wheel is cached outside the repository, keyed by versions.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
VENV="${MMVRL_VENV:-$HOME/.cache/mmvrl/venv}"
CACHE="${MMVRL_CACHE:-$HOME/.cache/mmvrl}"
mkdir -p "$CACHE/wheels"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[install] creating environment $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip install --progress-bar off)

stamp_src=$(cat "$ROOT"/requirements/*.txt "$ROOT/tools/install.sh" "$ROOT/setup.py" | sha256sum | cut -c1-16)
STAMP="$VENV/.mmvrl-stamp"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$stamp_src" ] && "$VPY" -c "import mmcv.ops, mmdet, mmseg, mmpretrain" 2>/dev/null; then
  echo "[install] environment up to date ($VENV)"
  exit 0
fi

t0=$(date +%s)
"${PIP[@]}" -r "$ROOT/requirements/torch.txt"
"${PIP[@]}" -r "$ROOT/requirements/build.txt"

pyver=$("$VPY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
torchver=$("$VPY" -c 'import torch; print(torch.__version__.split("+")[0])')
WHEELDIR="$CACHE/wheels/mmcv-2.1.0-torch$torchver-$pyver"
if ! "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
  if ! ls "$WHEELDIR"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    echo "[install] building mmcv 2.1.0 with ops for torch $torchver ($pyver); about 15-20 minutes on 2 cores"
    build=$(mktemp -d)
    (cd "$build" && MMCV_WITH_OPS=1 "$VPY" -m pip download --no-binary :all: --no-deps --no-build-isolation mmcv==2.1.0)
    tar -xzf "$build"/mmcv-2.1.0.tar.gz -C "$build"
    sed -i 's/-std=c++17/-std=c++20/g' "$build/mmcv-2.1.0/setup.py"
    grep -q -- '-std=c++20' "$build/mmcv-2.1.0/setup.py"
    mkdir -p "$WHEELDIR.tmp"
    (cd "$build/mmcv-2.1.0" && MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" "$VPY" -m pip wheel --no-build-isolation --no-deps -w "$WHEELDIR.tmp" .)
    rm -rf "$WHEELDIR" && mv "$WHEELDIR.tmp" "$WHEELDIR"
    rm -rf "$build"
  fi
  "${PIP[@]}" "$WHEELDIR"/mmcv-2.1.0-*.whl -r "$ROOT/requirements/runtime.txt"
fi
"${PIP[@]}" -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/mminstall.txt" -r "$ROOT/requirements/tests.txt"
"${PIP[@]}" --no-deps -r "$ROOT/requirements/nodeps.txt"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"
# Other installs may move these; the pins are needed at run time (pkg_resources, lvis np.float).
"${PIP[@]}" "setuptools>=77,<81" "numpy>=1.24,<2"
"$VPY" -c "import mmcv.ops, mmdet, mmseg, mmpretrain, pkg_resources, numpy; assert numpy.__version__ < '2'"
echo "$stamp_src" > "$STAMP"
echo "[install] done in $(( $(date +%s) - t0 )) s ($VENV)"
