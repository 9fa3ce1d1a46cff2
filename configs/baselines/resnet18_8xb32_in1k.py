# ResNet-18 on ImageNet-1k: mmpretrain's own recipe, the reference classifier of MMVRL.
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']

default_scope = 'mmpretrain'
