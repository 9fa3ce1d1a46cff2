"""MMVRL: ten published vision methods as one OpenMMLab plugin."""
import os
import os.path as osp
import sysconfig

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


def site_pth():
    """``mmvrl.pth`` for site-packages: runs :func:`mmvrl.site.install` at interpreter start.

    Returned as a ``data_files`` entry whose folder is site-packages relative to the data
    prefix, which is where pip puts data files for normal, ``--user`` and editable installs.
    """
    folder = osp.join(HERE, 'build', 'pth')
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, 'mmvrl.pth')
    with open(path, 'w') as f:
        f.write('import mmvrl.site; mmvrl.site.install()\n')
    site_packages = osp.relpath(sysconfig.get_path('purelib'),
                                sysconfig.get_path('data'))
    return site_packages, [osp.relpath(path, HERE)]


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
    data_files=[site_pth()],
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        mim=read_requirements('mminstall.txt'),
        tests=read_requirements('tests.txt'),
    ),
    license='Apache License 2.0',
    zip_safe=False,
)
