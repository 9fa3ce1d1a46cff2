"""ActivityNet Captions (Krishna et al., ICCV 2017) -> MSR-VTT retrieval layout, paragraph retrieval.

Raw release (``captions/{train,val_1,val_2}.json``): ``{"v_<youtube id>": {"duration": 82.73,
"timestamps": [[0.83, 19.86], ...], "sentences": ["...", ...]}, ...}``. Paragraph-to-video
retrieval (Frozen in Time, ClipBERT, MAC) joins a video's sentences in time order; this
converter keeps them, sorted by segment start, as the caption list and
``MACVideoTextDataset(caption_mode='paragraph')`` joins them. Splits: train 10,009 videos,
test ``val_1`` 4,917.

The video file name is ``--video-template`` with ``{video}`` (``v_<id>``) and ``{id}``
(without the ``v_``).

Example::

    python tools/dataset_converters/activitynet_captions.py captions/val_1.json \\
        data/video_retrieval/activitynet/val_1.json \\
        --video-dir data/video_retrieval/activitynet/videos
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from msrvtt_layout import (ConversionError, caption_text, format_video,  # noqa: E402
                           load_json, run)

LAYOUT = ('{"v_<id>": {"duration": ..., "timestamps": [[start, end], ...], '
          '"sentences": [...]}}, captions/*.json')


def _start(stamp, where):
    if (not isinstance(stamp, (list, tuple)) or len(stamp) != 2
            or not all(isinstance(t, (int, float)) for t in stamp)):
        raise ConversionError(f'{where}: timestamp {stamp!r} is not [start, end] '
                              f'seconds; expected {LAYOUT}')
    return stamp[0]


def convert(args):
    """``(video file, sentence)`` pairs, sentences of a video in time order."""
    videos = load_json(args.src, dict, LAYOUT)
    pairs = []
    for video, entry in videos.items():
        where = f'{args.src}, video {video}'
        sentences = entry.get('sentences') if isinstance(entry, dict) else None
        if not isinstance(sentences, list) or not sentences:
            raise ConversionError(f'{where}: has no "sentences" list; expected {LAYOUT}')
        stamps = entry.get('timestamps')
        if not isinstance(stamps, list) or len(stamps) != len(sentences):
            raise ConversionError(
                f'{where}: {len(sentences)} sentences but '
                f'{len(stamps) if isinstance(stamps, list) else "no"} timestamps; each '
                'sentence needs its [start, end]')
        order = sorted(range(len(sentences)),
                       key=lambda i: _start(stamps[i], f'{where}, sentence {i}'))
        vid = video[2:] if video.startswith('v_') else video
        name = format_video(args.video_template, where, video=video, id=vid)
        pairs += [(name, caption_text(sentences[i], f'{where}, sentence {i}'))
                  for i in order]
    return pairs


def main(argv=None):
    return run(convert, __doc__, '{video}.mp4', argv)


if __name__ == '__main__':
    main()
