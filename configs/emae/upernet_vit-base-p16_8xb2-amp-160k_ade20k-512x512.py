# ADE20K transfer of an EMAE ViT-B/16: mmseg's MAE recipe (UperNet on blocks 4/6/8/12
# through Feature2Pyramid, 512x512 crops, 160k iterations, AdamW lr 1e-4, layer decay
# 0.65, drop path 0.1). The backbone is mmpretrain's VisionTransformer, the exact
# pre-training architecture, so the EMAE checkpoint loads with the `backbone.` prefix
# and no conversion (mmseg's own MAE backbone is BEiT-style: q/v biases, layer scale).
_base_ = ['mmseg::mae/mae-base_upernet_8xb2-amp-160k_ade20k-512x512.py']

custom_imports = dict(
    imports=[
        'projects.emae', 'projects.common.ssl_layer_decay', 'mmpretrain.models'
    ],
    allow_failed_imports=False)

pretrained = 'work_dirs/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k/epoch_300.pth'
model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch='base',
        img_size=512,
        patch_size=16,
        out_indices=(3, 5, 7, 11),
        drop_path_rate=0.1,
        final_norm=False,
        out_type='featmap',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))

# mmseg's LayerDecayOptimizerConstructor rule: no weight decay on biases, norms and
# other 1-D parameters, the position embedding and the cls token.
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    constructor='BackboneLayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        flat_decay_mult=0.,
        custom_keys={
            '.pos_embed': dict(decay_mult=0.),
            '.cls_token': dict(decay_mult=0.)
        }))
