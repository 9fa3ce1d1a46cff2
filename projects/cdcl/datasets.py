"""CamVid in the SegNet layout (mmseg 1.2 ships no CamVid dataset)."""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid, 11 evaluation classes (Brostow et al. 2009; SegNet split 367/101/233).

    Layout (SegNet release): ``{train,val,test}/*.png`` images and
    ``{train,val,test}annot/*.png`` label maps with ids 0..10 and 11 for "void". The void
    id is mapped to the ignore index 255 at load time (``label_map``); maps that already
    use 255 are unchanged.
    """

    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'sidewalk', 'tree',
                 'sign', 'fence', 'car', 'pedestrian', 'bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [0, 0, 192], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128],
                 [64, 64, 0], [0, 128, 192]])
    VOID_ID = 11

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    @classmethod
    def get_label_map(cls, new_classes=None):
        """Class-subset map of the base class, plus ``void (11) -> 255``."""
        label_map = super().get_label_map(new_classes) or {}
        label_map.setdefault(cls.VOID_ID, 255)
        return label_map
