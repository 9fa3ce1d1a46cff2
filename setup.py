"""MMVRL: ten published vision methods as one OpenMMLab plugin."""
import os.path as osp

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.command.editable_wheel import \
    editable_wheel as _editable_wheel

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Read one requirements file, skipping comments and nested includes."""
    lines = []
    with open(osp.join(HERE, 'requirements', name)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                lines.append(line)
    return lines


def get_version():
    scope = {}
    with open(osp.join(HERE, 'projects', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


PTH_NAME = 'mmvrl.pth'
PTH_LINE = 'import mmvrl.site; mmvrl.site.install()\n'


class build_py(_build_py):
    """build_py that also puts ``mmvrl.pth`` at the top of the wheel (site-packages).

    Python runs the file's line at interpreter start: :func:`mmvrl.site.install` lets the
    OpenMMLab hosts' tools find ``projects`` and the ``mmvrl::`` configs.
    """

    def run(self):
        super().run()
        if not getattr(self, 'editable_mode', False):
            with open(osp.join(self.build_lib, PTH_NAME), 'w') as f:
                f.write(PTH_LINE)

    def get_outputs(self, *args, **kwargs):
        outputs = super().get_outputs(*args, **kwargs)
        if getattr(self, 'editable_mode', False):
            return outputs
        return outputs + [osp.join(self.build_lib, PTH_NAME)]


class editable_wheel(_editable_wheel):
    """``pip install -e .``: the editable wheel carries ``mmvrl.pth`` too."""

    def _install_namespaces(self, installation_dir, pth_prefix):
        super()._install_namespaces(installation_dir, pth_prefix)
        with open(osp.join(installation_dir, PTH_NAME), 'w') as f:
            f.write(PTH_LINE)


setup(
    name='mmvrl',
    version=get_version(),
    description='Ten vision representation-learning methods for the '
    'OpenMMLab 2.0 stack',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['projects', 'projects.*', 'mmvrl']),
    # mim layout: configs and model index inside the package (mmvrl/.mim links to them).
    package_data={'mmvrl': ['.mim/model-index.yml', '.mim/configs/**/*']},
    cmdclass=dict(build_py=build_py, editable_wheel=editable_wheel),
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        mim=read_requirements('mminstall.txt'),
        tests=read_requirements('tests.txt'),
    ),
    license='Apache License 2.0',
    zip_safe=False,
)
