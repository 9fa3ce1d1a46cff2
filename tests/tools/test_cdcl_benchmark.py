"""tools/analysis_tools/cdcl_benchmark.py: arms from the tiny twins, one table per dataset."""
import pytest

from tests.utils import load_tool


def test_arms_are_the_tiny_twins():
    bench = load_tool('analysis_tools/cdcl_benchmark')
    singles, (joint, cdcl) = bench.arms(bench.DATASETS)
    assert [a.config for a in singles] == [bench.SINGLE.format(d) for d in bench.DATASETS]
    assert joint.config == cdcl.config == bench.CDCL and cdcl.options == {}
    assert {v['type'] for v in joint.options.values()} == {'BN'}


@pytest.mark.slow
def test_benchmark_writes_a_table_per_arm_and_dataset(tiny_data, tmp_path):
    bench = load_tool('analysis_tools/cdcl_benchmark')
    rep = bench.main(['--iters', '2', '--seeds', '0', '--arms', 'cdcl',
                      '--work-dir', str(tmp_path)])
    table = (tmp_path / 'cdcl_benchmark.md').read_text()
    assert '| arm | cityscapes | bdd100k | camvid | mean |' in table
    assert '| cdcl |' in table and '| single |' not in table
    assert len(rep.data['results']['cdcl'][0]['curve']) == 2
    assert (tmp_path / 'cdcl_benchmark.json').is_file()
