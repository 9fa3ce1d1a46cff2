"""``tools/test.py --show-dir`` paints predictions to image files (mmdet and mmpretrain)."""
import glob

import pytest
from mmengine.config import Config

from tests.test_tiny_configs import _last_checkpoint
from tests.utils import as_cli, load_tool, smoke_options


@pytest.mark.parametrize('path', [
    'configs/baselines/tiny/faster-rcnn_r50_fpn_1x_coco.py',
    'configs/baselines/tiny/resnet18_8xb32_in1k.py'
])
def test_show_dir_writes_images(path, tiny_data, tmp_path):
    opts = smoke_options(Config.fromfile(path))
    work_dir = str(tmp_path / 'work')
    load_tool('train').main([path, '--work-dir', work_dir, '--no-validate'] +
                            as_cli(opts))
    test_opts = {k: v for k, v in opts.items() if k.startswith('test_')}
    test_opts['experiment_name'] = opts['experiment_name'] + '_test'
    test_opts['visualizer.name'] = test_opts['experiment_name']
    load_tool('test').main(
        [path, _last_checkpoint(work_dir), '--work-dir', work_dir,
         '--show-dir', 'painted'] + as_cli(test_opts))
    painted = glob.glob(f'{work_dir}/**/painted/**/*.*', recursive=True) + \
        glob.glob(f'{work_dir}/painted/**/*.*', recursive=True)
    assert len(set(painted)) >= 2, painted
