"""Tiny SAIM models for the unit tests (fp32, CPU, no dropout)."""
import torch
from mmpretrain.registry import MODELS


def tiny_saim(depth=2, query_depth=2, img=16, patch=4, dims=32, heads=2,
              blur=9, order='random', norm_pix=True, predictor='mlp',
              share_weights=False, criterion='L2', mlp_ratio=2):
    model = MODELS.build(
        dict(
            type='SAIM',
            backbone=dict(
                type='SAIMViT',
                arch=dict(
                    embed_dims=dims,
                    num_layers=depth,
                    num_heads=heads,
                    feedforward_channels=mlp_ratio * dims),
                img_size=img,
                patch_size=patch,
                generation_order=order),
            neck=dict(
                type='SAIMQueryDecoder',
                embed_dims=dims,
                num_layers=query_depth,
                num_heads=heads,
                feedforward_channels=mlp_ratio * dims,
                share_weights=share_weights),
            head=dict(
                type='SAIMPretrainHead',
                loss=dict(type='PixelReconstructionLoss', criterion=criterion),
                norm_pix=norm_pix,
                patch_size=patch,
                embed_dims=dims,
                predictor=predictor,
                blur_kernel_size=blur)))
    model.init_weights()
    return model.eval()


def noise_for(model, batch, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(batch, model.backbone.num_patches, generator=gen)


def official_shapes(dims=32, depth=2, query_depth=2, num_patches=16, patch=4,
                    mlp_ratio=4, blocks=('blocks', 'query_blocks'),
                    prediction_head='MLP'):
    """Key names and shapes of an official ``SaimViT`` state dict (spec sections 4, 8, 9):
    timm 0.4.5 names, separate q/k/v Linears, ``norm``, ``prediction_head`` (timm ``Mlp``
    or one Linear) and the ``gaussian_blur.weight`` buffer (3, 1, 9, 9)."""
    hidden = mlp_ratio * dims
    shapes = {
        'cls_token': (1, 1, dims),
        'pos_embed': (1, num_patches + 1, dims),
        'patch_embed.proj.weight': (dims, 3, patch, patch),
        'patch_embed.proj.bias': (dims, ),
    }
    for kind in blocks:
        for i in range(depth if kind == 'blocks' else query_depth):
            pre = f'{kind}.{i}.'
            for norm in ('norm1', 'norm2'):
                shapes[pre + norm + '.weight'] = (dims, )
                shapes[pre + norm + '.bias'] = (dims, )
            for lin in ('q', 'k', 'v', 'proj'):
                shapes[pre + f'attn.{lin}.weight'] = (dims, dims)
                shapes[pre + f'attn.{lin}.bias'] = (dims, )
            shapes[pre + 'mlp.fc1.weight'] = (hidden, dims)
            shapes[pre + 'mlp.fc1.bias'] = (hidden, )
            shapes[pre + 'mlp.fc2.weight'] = (dims, hidden)
            shapes[pre + 'mlp.fc2.bias'] = (dims, )
    shapes['norm.weight'] = (dims, )
    shapes['norm.bias'] = (dims, )
    if prediction_head == 'MLP':
        shapes['prediction_head.fc1.weight'] = (hidden, dims)
        shapes['prediction_head.fc1.bias'] = (hidden, )
        shapes['prediction_head.fc2.weight'] = (patch * patch * 3, hidden)
        shapes['prediction_head.fc2.bias'] = (patch * patch * 3, )
    elif prediction_head == 'LINEAR':
        shapes['prediction_head.weight'] = (patch * patch * 3, dims)
        shapes['prediction_head.bias'] = (patch * patch * 3, )
    if 'query_blocks' in blocks:
        shapes['gaussian_blur.weight'] = (3, 1, 9, 9)
    return shapes


def random_official(shapes, seed=0):
    """Random tensors for ``shapes`` (weights ~ N(0, 1/fan_in), norms ~ 1)."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in shapes.items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(7)
        elif 'norm' in key and key.endswith('weight') or key.endswith(
                'running_var'):
            state[key] = 1 + 0.1 * torch.rand(shape, generator=gen)
        elif len(shape) >= 2 and key not in ('cls_token', 'pos_embed'):
            fan_in = torch.Size(shape[1:]).numel()
            state[key] = torch.randn(shape, generator=gen) / fan_in**.5
        else:
            state[key] = 0.1 * torch.randn(shape, generator=gen)
    return state
