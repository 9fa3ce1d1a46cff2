"""tools/analysis_tools/dpt_benchmark.py: efficiency part and the arms of the accuracy part."""
import json
import os.path as osp

import pytest

from tests.utils import load_tool


@pytest.mark.slow
def test_efficiency_smoke(tmp_path):
    tool = load_tool('analysis_tools/dpt_benchmark')
    work = str(tmp_path / 'bench')
    rep = tool.main(['--work-dir', work, '--variants', 'tiny', '--sizes', '64x96',
                     '--repeats', '1', '--skip-accuracy'])
    row = rep.data['efficiency'][0]
    assert row[:2] == ['tiny', '64x96']
    assert float(row[3]) > 1  # DePatch adds parameters ...
    assert 1 < float(row[5]) < 1.3  # ... and a few FLOPs on top of PVT's
    assert len(rep.data['times']['tiny 64x96']['dpt']) == 1
    assert '| tiny | 64x96 |' in open(osp.join(work, 'dpt_benchmark.md')).read()
    assert json.load(open(osp.join(work, 'dpt_benchmark.json')))['command']


def test_accuracy_arms_toggle_only_depatch():
    tool = load_tool('analysis_tools/dpt_benchmark')
    pvt, dpt = tool.ARMS
    assert pvt.config == dpt.config == tool.TINY
    assert pvt.options == {'model.backbone.depatch_stages': (False, ) * 4}
    assert dpt.options == {}
