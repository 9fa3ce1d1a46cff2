# Sourced by the dist_*/slurm_* scripts: choose the Python that runs the tools.
# $PYTHON if set; else the python on PATH if it has torch and mmengine (an activated
# environment); else the MMVRL environment ($MMVRL_VENV, default ~/.cache/mmvrl/venv)
# that `make test` / `make demo` create.
if [ -z "${PYTHON:-}" ]; then
    MMVRL_VENV=${MMVRL_VENV:-"$HOME/.cache/mmvrl/venv"}
    if command -v python >/dev/null 2>&1 && \
            python -c 'import torch, mmengine' >/dev/null 2>&1; then
        PYTHON=python
    elif [ -x "$MMVRL_VENV/bin/python" ]; then
        PYTHON="$MMVRL_VENV/bin/python"
    else
        echo "No Python with torch and mmengine found: activate your environment" \
             "(source ~/.cache/mmvrl/venv/bin/activate after 'make install')" \
             "or set PYTHON=/path/to/python." >&2
        exit 2
    fi
fi
