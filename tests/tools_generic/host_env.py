"""A user's Python environment for the host-tool tests: MMVRL installed with pip.

The shared test environment must not be changed, so the tests build a small virtual
environment on top of it: its site-packages sees the shared packages through a path file
(whose own ``.pth`` files, e.g. another checkout's editable install, are not run), and an
MMVRL checkout is installed into it with ``pip install -e`` exactly as a user would.
"""
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig

from tests.utils import REPO_ROOT


def copy_checkout(dest, src=REPO_ROOT):
    """Copy the checkout's tracked and new files (not data/ or work dirs) to ``dest``."""
    files = subprocess.run(
        ['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=src,
        check=True, capture_output=True).stdout.decode().split('\0')
    for rel in filter(None, files):
        source = osp.join(src, rel)
        if not osp.lexists(source):
            continue
        target = osp.join(dest, rel)
        os.makedirs(osp.dirname(target), exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return str(dest)


def make_venv(root):
    """A virtual environment at ``root`` that also sees the running environment's packages."""
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(root)],
                   check=True)
    python = osp.join(str(root), 'bin', 'python')
    site = subprocess.run(
        [python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
        check=True, capture_output=True, text=True).stdout.strip()
    with open(osp.join(site, '_shared_packages.pth'), 'w') as f:
        f.write(sysconfig.get_path('purelib') + '\n')
    return python, site


def pip_install_editable(python, checkout):
    """``pip install -e <checkout>`` into the environment of ``python`` (offline)."""
    subprocess.run(
        [sys.executable, '-m', 'pip', '--python', python, 'install', '-q',
         '--no-deps', '--no-build-isolation', '--no-index', '-e', checkout],
        check=True, capture_output=True)


def clean_env(**extra):
    """Subprocess environment without PYTHONPATH (set it through ``extra``)."""
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    env.setdefault('OMP_NUM_THREADS', '1')
    env.update(extra)
    return env


def run_python(python, code, cwd, flags=(), **env):
    """Run ``python [flags] -c code`` in ``cwd``; returns stdout (raises with stderr on
    failure)."""
    proc = subprocess.run([python, *flags, '-c', code], cwd=str(cwd), text=True,
                          capture_output=True, env=clean_env(**env))
    if proc.returncode != 0:
        raise AssertionError(
            f'python -c failed in {cwd} (rc {proc.returncode}):\n'
            f'{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}')
    return proc.stdout


_INSTALLED = {}


def installed_checkout(tmp_path_factory):
    """A copy of this checkout (clone A) installed with ``pip install -e`` in a fresh venv.

    Returns ``(python, clone_a, site_packages)``; made once per test session.
    """
    if 'env' not in _INSTALLED:
        root = tmp_path_factory.mktemp('user_env')
        clone = copy_checkout(root / 'clone_a')
        python, site = make_venv(root / 'venv')
        pip_install_editable(python, clone)
        _INSTALLED['env'] = (python, clone, site)
    return _INSTALLED['env']


def make_host_checkout(root):
    """A host checkout like mmdet's: a namespace ``projects/`` with ``projects/ViTDet``."""
    vitdet = osp.join(str(root), 'projects', 'ViTDet')
    os.makedirs(vitdet, exist_ok=True)
    with open(osp.join(vitdet, '__init__.py'), 'w') as f:
        f.write("ORIGIN = 'host checkout'\n")
    os.makedirs(osp.join(str(root), 'tools'), exist_ok=True)
    shutil.copy(osp.join(osp.dirname(__file__), 'host_train.py'),
                osp.join(str(root), 'tools', 'train.py'))
    # the tiny datasets, where the configs' relative data roots expect them
    os.symlink(osp.join(REPO_ROOT, 'data'), osp.join(str(root), 'data'))
    return str(root)
