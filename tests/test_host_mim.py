"""mim conventions: ``_base_ = 'mmvrl::...'`` from any folder and our models in mmpretrain's
name-based APIs (``list_models``, ``get_model``, ``inference_model``)."""
import glob
import os.path as osp

import pytest

from tests.tools_generic.host_env import installed_checkout, run_python
from tests.utils import REPO_ROOT

ACSL = 'acsl/faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py'
USER_CFG = (
    f"_base_ = 'mmvrl::{ACSL}'\n"
    "model = dict(roi_head=dict(bbox_head=dict(loss_cls=dict(loss_weight=2.0))))\n")


def test_mmvrl_scope_in_this_process(tmp_path, monkeypatch):
    """``import projects`` (our tools, or custom_imports) enables ``mmvrl::`` bases."""
    from mmengine.config import Config
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'user.py').write_text(USER_CFG)
    cfg = Config.fromfile('user.py')
    loss = cfg.model.roi_head.bbox_head.loss_cls
    assert loss.type == 'ACSLLoss' and loss.loss_weight == 2.0
    # the base's own relative and mmdet:: bases were resolved too
    assert cfg.train_dataloader.dataset.type
    assert cfg.custom_imports.imports == ['projects.acsl']


def test_model_index_lists_every_metafile():
    import yaml
    index = yaml.safe_load(open(osp.join(REPO_ROOT, 'mmvrl', '.mim',
                                         'model-index.yml')))
    metafiles = sorted(
        osp.relpath(p, REPO_ROOT)
        for p in glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'metafile.yml')))
    assert sorted(index['Import']) == metafiles
    for rel in index['Import']:
        assert osp.isfile(osp.join(REPO_ROOT, 'mmvrl', '.mim', rel))


@pytest.mark.slow
def test_installed_package_from_any_folder(tmp_path_factory, tmp_path,
                                           tiny_data):
    """With MMVRL pip-installed, a user's script outside any checkout inherits our
    config by scope and finds our mmpretrain models by name, importing nothing of ours."""
    python, clone_a, _ = installed_checkout(tmp_path_factory)
    (tmp_path / 'user.py').write_text(USER_CFG)
    img = sorted(glob.glob(osp.join(tiny_data, 'imagenet', 'val', '*.JPEG')))[0]
    code = (
        'from mmengine.config import Config\n'
        'cfg = Config.fromfile("user.py")\n'
        'print("LOSS", cfg.model.roi_head.bbox_head.loss_cls.type)\n'
        'print("FILE", cfg.filename)\n'
        'from mmpretrain import get_model, inference_model, list_models\n'
        'names = list_models("dpt")\n'
        'print("LIST", ",".join(names))\n'
        'model = get_model("dpt-tiny_8xb128_300e_in1k")\n'
        'print("BACKBONE", type(model.backbone).__name__)\n'
        f'out = inference_model("dpt-tiny_8xb128_300e_in1k", {img!r}, '
        'pretrained=False, device="cpu")\n'
        'print("PRED", out["pred_label"], len(out["pred_scores"]))\n')
    out = dict(line.split(' ', 1) for line in run_python(
        python, code, tmp_path).splitlines() if ' ' in line)
    assert out['LOSS'] == 'ACSLLoss'
    names = out['LIST'].split(',')
    assert {'dpt-tiny_8xb128_300e_in1k', 'dpt-small_8xb128_300e_in1k'} <= set(names)
    assert not any('retinanet' in n for n in names)  # mmdet models stay out
    assert out['BACKBONE'] == 'DeformablePatchTransformer'
    assert int(out['PRED'].split()[1]) == 1000


def test_mmpretrain_models_import_beside_transformers5():
    """mmpretrain's (and so mmdet's) models import whatever transformers is installed."""
    import mmdet.models  # noqa: F401
    import mmpretrain.models  # noqa: F401
    from mmpretrain.registry import MODELS
    assert MODELS.get('MAE') is not None
