"""Multi-crop views of MST (DINO's augmentation) with a crop-size check against the patch size."""
from mmpretrain.registry import TRANSFORMS

from projects.common.ssl import MultiCrop


@TRANSFORMS.register_module()
class MSTMultiCrop(MultiCrop):
    """:class:`~projects.common.ssl.MultiCrop` whose crop sizes must tile into patches.

    MST masks and restores the global crops patch by patch and runs the local crops through
    the same ViT, so every crop side must be a multiple of ``patch_size``.

    Args:
        patch_size (int): ViT patch size. Defaults to 16.
        **kwargs: The arguments of ``MultiCrop`` (DINO defaults: 2 x 224 global crops,
            blur 1.0 / 0.1, solarisation 0 / 0.2, 8 x 96 local crops, blur 0.5).
    """

    def __init__(self, patch_size: int = 16, **kwargs) -> None:
        super().__init__(**kwargs)
        for key in ('global_crop_size', 'local_crop_size'):
            size = getattr(self, key)
            sides = (size, ) if isinstance(size, int) else tuple(size)
            if any(s % patch_size for s in sides):
                raise ValueError(
                    f'MSTMultiCrop {key}={size} is not divisible by patch_size='
                    f'{patch_size}; choose a multiple of the patch size (DINO: 224 and 96 '
                    'for 16x16 patches).')
        self.patch_size = patch_size
