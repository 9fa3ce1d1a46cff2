"""Put the repository root on ``sys.path`` so ``python tools/x.py`` works without PYTHONPATH."""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401  (applies the compat fixes)
