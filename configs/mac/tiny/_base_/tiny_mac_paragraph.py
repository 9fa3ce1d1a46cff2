# Tiny paragraph-to-video data (DiDeMo / ActivityNet twins): the synthetic MSR-VTT clips
# with each clip's captions joined, 8 frames of 32x32, up to 96 text tokens.
_base_ = ['./tiny_mac_video.py']

tiny_paragraph_frames = 8
tiny_paragraph_max_len = 96
__train = dict(_base_.tiny_video_train)
__train['pipeline'] = [dict(t) for t in __train['pipeline']]
__train['caption_mode'] = 'paragraph'
__train['pipeline'][1]['clip_len'] = tiny_paragraph_frames
__train['pipeline'][-2]['max_len'] = tiny_paragraph_max_len
__test = dict(_base_.tiny_video_test_loader)
__test['dataset'] = dict(__test['dataset'])
__test['dataset']['pipeline'] = [dict(t) for t in __test['dataset']['pipeline']]
__test['dataset']['caption_mode'] = 'paragraph'
__test['dataset']['pipeline'][1]['clip_len'] = tiny_paragraph_frames
__test['dataset']['pipeline'][-2]['max_len'] = tiny_paragraph_max_len
tiny_paragraph_train = __train
tiny_paragraph_test_loader = __test
