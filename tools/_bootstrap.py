"""Make ``python tools/x.py`` use this checkout's code, without PYTHONPATH.

The repository root goes first on ``sys.path``, so this checkout's ``projects`` wins over a
package installed from another clone (``pip install -e`` elsewhere) and over a host checkout's
own ``projects/`` folder on ``PYTHONPATH``.
"""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if sys.path[:1] != [REPO_ROOT]:
    if REPO_ROOT in sys.path:
        sys.path.remove(REPO_ROOT)
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402  (applies the compat fixes)

if osp.dirname(osp.abspath(projects.__file__)) != osp.join(REPO_ROOT, 'projects'):
    raise ImportError(
        f'tools in {REPO_ROOT} imported projects from {projects.__file__}, another '
        'copy imported before this checkout was put on sys.path; run the tool as '
        '"python tools/<tool>.py" from a plain interpreter.')
