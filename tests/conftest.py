"""Session fixtures: run from the repo root and make the tiny datasets once."""
import os
import subprocess
import sys

import pytest

from tests.utils import REPO_ROOT

os.chdir(REPO_ROOT)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401  (compat fixes, as the tools apply them)
import torch  # noqa: E402

# Small models on a shared CPU run fastest single-threaded (2 threads thrash under load).
torch.set_num_threads(int(os.environ.get('MMVRL_TEST_THREADS', '1')))


@pytest.fixture(scope='session')
def tiny_data():
    """Generate every tiny dataset (idempotent: existing complete sets are kept)."""
    gen = os.path.join(REPO_ROOT, 'tools', 'dataset_converters',
                       'make_tiny_datasets.py')
    subprocess.run([sys.executable, gen, '--out', 'data/tiny'], check=True,
                   cwd=REPO_ROOT)
    return os.path.join(REPO_ROOT, 'data', 'tiny')
