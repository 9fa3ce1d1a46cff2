"""DiDeMo (Hendricks et al., ICCV 2017) moments -> MSR-VTT retrieval layout for paragraph retrieval.

Raw release (``LocalizingMoments/data/{train,val,test}_data.json``): a JSON list of moments,
``{"annotation_id": 0, "description": "...", "video": "<flickr id>.mov", "times": [[s, e],
...], ...}``, several moments per video. Paragraph-to-video retrieval (Frozen in Time, MAC)
uses every description of a video joined in file order; this converter keeps them as the
video's caption list and ``MACVideoTextDataset(caption_mode='paragraph')`` joins them.
Splits: train 8,395 / val 1,065 / test 1,004 videos.

The video file name is ``--video-template`` with ``{video}`` (the raw name) and ``{stem}``
(without its extension); downloads that were transcoded to mp4 use ``'{stem}.mp4'``.

Example::

    python tools/dataset_converters/didemo_annotations.py \\
        LocalizingMoments/data/test_data.json data/video_retrieval/didemo/test.json \\
        --video-template '{stem}.mp4' --video-dir data/video_retrieval/didemo/videos
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from msrvtt_layout import (ConversionError, caption_text, format_video,  # noqa: E402
                           load_json, run)

LAYOUT = ('a list of {"video": ..., "description": ..., "times": ...} moments, '
          'LocalizingMoments/data/*_data.json')


def convert(args):
    """``(video file, description)`` pairs of ``args.src`` in file order."""
    moments = load_json(args.src, list, LAYOUT)
    pairs = []
    for i, moment in enumerate(moments):
        where = f'{args.src}, moment {i}'
        if not isinstance(moment, dict) or not isinstance(moment.get('video'), str):
            raise ConversionError(
                f'{where}: has no "video" name ({moment!r:.80}); expected {LAYOUT}')
        where += f' (video {moment["video"]})'
        if 'description' not in moment:
            raise ConversionError(f'{where}: has no "description"; expected {LAYOUT}')
        video = moment['video']
        name = format_video(args.video_template, where, video=video,
                            stem=osp.splitext(video)[0])
        pairs.append((name, caption_text(moment['description'], where)))
    return pairs


def main(argv=None):
    return run(convert, __doc__, '{video}', argv)


if __name__ == '__main__':
    main()
