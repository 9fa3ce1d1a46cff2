"""MMVRL: ten published vision methods as one OpenMMLab plugin."""
import os.path as osp

from setuptools import find_packages, setup

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


setup(
    name='mmvrl',
    version=get_version(),
    description='Ten vision representation-learning methods for the '
    'OpenMMLab 2.0 stack',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['projects', 'projects.*']),
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        mim=read_requirements('mminstall.txt'),
        tests=read_requirements('tests.txt'),
    ),
    license='Apache License 2.0',
    zip_safe=False,
)
