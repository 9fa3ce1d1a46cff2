"""``projects`` next to a host checkout's own ``projects/``, and two MMVRL clones in one
environment: the hosts' import rules with MMVRL installed by ``pip install -e``."""
import os.path as osp

import pytest

from tests.tools_generic.host_env import (installed_checkout,
                                          make_host_checkout, run_python)
from tests.utils import REPO_ROOT

ACSL_TINY = 'configs/acsl/tiny/faster-rcnn_r50_fpn_8xb2-1x_lvis-v0.5.py'

WHERE = (
    'import projects, importlib.util\n'
    'print("PROJECTS", getattr(projects, "__file__", None))\n'
    'print("ACSL", importlib.util.find_spec("projects.acsl").origin)\n')
# where ``projects`` would come from, without importing it
LOCATE = (
    'import importlib.util\n'
    'print("ACSL", importlib.util.find_spec("projects").origin)\n'
    'from mmengine.config import config\n'
    'print("MIM", config.get_installed_path("mmvrl"))\n')


def _lines(out):
    return dict(line.split(' ', 1) for line in out.splitlines() if ' ' in line)


@pytest.fixture(scope='module')
def user_env(tmp_path_factory):
    return installed_checkout(tmp_path_factory)


def test_host_checkout_projects_first_on_path(user_env, tmp_path):
    """mmdet-style checkout on PYTHONPATH=.: both its projects.ViTDet and ours import,
    and our package (with its fixes) is the one that runs."""
    python, clone_a, _ = user_env
    host = make_host_checkout(tmp_path / 'mmdetection')
    code = WHERE + (
        'import projects.ViTDet, lvis.eval\n'
        'print("VITDET", projects.ViTDet.ORIGIN)\n'
        'print("NPFLOAT", hasattr(lvis.eval.np, "float"))\n')
    out = _lines(run_python(python, code, host, PYTHONPATH='.'))
    assert out['VITDET'] == 'host checkout'
    assert out['ACSL'].startswith(osp.join(clone_a, 'projects', 'acsl'))
    assert out['PROJECTS'] == osp.join(clone_a, 'projects', '__init__.py')
    assert out['NPFLOAT'] == 'True'


@pytest.mark.slow
def test_method_package_applies_fixes_by_itself(user_env, tmp_path):
    """Without our start-up hook (only setuptools' editable finder) ``projects`` is the
    host's namespace folder; ``projects.acsl`` still applies the lvis fix itself."""
    python, clone_a, site = user_env
    host = make_host_checkout(tmp_path / 'mmdetection')
    code = (
        'import glob, importlib, os, sys\n'
        f'sys.path += [{site!r}] + open(os.path.join({site!r}, '
        '"_shared_packages.pth")).read().split()\n'
        f'name = os.path.basename(glob.glob(os.path.join({site!r}, '
        '"__editable___mmvrl*finder.py"))[0])[:-3]\n'
        'importlib.import_module(name).install()\n'
        'import projects, projects.acsl, projects.ViTDet, lvis.eval\n'
        'print("PROJECTS", getattr(projects, "__file__", None))\n'
        'print("ACSL", projects.acsl.__file__)\n'
        'print("NPFLOAT", hasattr(lvis.eval.np, "float"))\n')
    # -S: no site-packages processing, so no .pth runs; PYTHONPATH=. still applies
    out = _lines(run_python(python, code, host, flags=('-S', ), PYTHONPATH='.'))
    assert out['PROJECTS'] == 'None'  # the host's namespace package won
    assert out['ACSL'].startswith(osp.join(clone_a, 'projects', 'acsl'))
    assert out['NPFLOAT'] == 'True'


def test_our_clone_first_keeps_host_projects(user_env, tmp_path):
    """Our clone first on PYTHONPATH: ``projects`` is ours and the host's still import."""
    python, _, _ = user_env
    host = make_host_checkout(tmp_path / 'mmdetection')
    code = WHERE + 'import projects.ViTDet\nprint("VITDET", projects.ViTDet.ORIGIN)\n'
    out = _lines(run_python(python, code, host,
                            PYTHONPATH=f'{REPO_ROOT}:{host}'))
    assert out['PROJECTS'] == osp.join(REPO_ROOT, 'projects', '__init__.py')
    assert out['VITDET'] == 'host checkout'


def test_clone_in_working_dir_wins_over_installed_clone(user_env, tmp_path):
    """The environment has clone A installed; code started inside clone B (this checkout),
    even by a host tool and from a sub-folder, imports clone B. Elsewhere clone A is used,
    and an explicit PYTHONPATH still wins."""
    python, clone_a, _ = user_env
    code = LOCATE
    inside = _lines(run_python(python, code, osp.join(REPO_ROOT, 'configs')))
    assert inside['ACSL'].startswith(osp.join(REPO_ROOT, 'projects'))
    assert inside['MIM'] == osp.join(REPO_ROOT, 'mmvrl')
    outside = _lines(run_python(python, code, tmp_path))
    assert outside['ACSL'].startswith(osp.join(clone_a, 'projects'))
    assert outside['MIM'] == osp.join(clone_a, 'mmvrl')
    explicit = _lines(run_python(python, code, osp.join(REPO_ROOT, 'configs'),
                                 PYTHONPATH=clone_a))
    assert explicit['ACSL'].startswith(osp.join(clone_a, 'projects'))


def test_tools_use_their_own_checkout(user_env, tmp_path):
    """``tools/*.py`` of clone B import clone B from any working directory."""
    python, _, _ = user_env
    code = (f'import runpy\nrunpy.run_path({osp.join(REPO_ROOT, "tools", "_bootstrap.py")!r})\n'
            + WHERE)
    out = _lines(run_python(python, code, tmp_path))
    assert out['ACSL'].startswith(osp.join(REPO_ROOT, 'projects'))


def test_this_test_session_uses_this_checkout():
    import projects
    assert projects.__file__ == osp.join(REPO_ROOT, 'projects', '__init__.py')


@pytest.mark.slow
def test_host_train_in_host_checkout(user_env, tmp_path, tiny_data):
    """A copy of mmdet's tools/train.py, run in an mmdet-style checkout with
    PYTHONPATH=., trains and evaluates ACSL's tiny LVIS twin (lvis needs the np.float fix)."""
    import subprocess

    from mmengine.config import Config

    from tests.tools_generic.host_env import clean_env
    from tests.utils import as_cli, smoke_options
    python, clone_a, _ = user_env
    host = make_host_checkout(tmp_path / 'mmdetection')
    cfg = osp.join(clone_a, ACSL_TINY)
    opts = smoke_options(Config.fromfile(osp.join(REPO_ROOT, ACSL_TINY)))
    proc = subprocess.run(
        [python, 'tools/train.py', cfg, '--work-dir', str(tmp_path / 'w')] +
        as_cli(opts), cwd=host, capture_output=True, text=True,
        env=clean_env(PYTHONPATH='.'))
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert 'lvis/bbox_AP' in proc.stdout + proc.stderr
