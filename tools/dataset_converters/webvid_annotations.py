"""WebVid-2M (Bain et al., ICCV 2021) metadata CSV -> MSR-VTT retrieval layout for pre-training.

Raw release (``results_2M_train.csv``, ``results_2M_val.csv``): one row per video with the
columns ``videoid, contentUrl, duration, page_dir, name`` (``name`` is the caption). Frozen in
Time stores the downloads as ``<page_dir>/<videoid>.mp4``, the default ``--video-template``
(any column is a placeholder). One caption per video; MAC pre-trains on train
(2.5M rows in the release).

Example::

    python tools/dataset_converters/webvid_annotations.py results_2M_train.csv \\
        data/webvid/train.json --video-dir data/webvid/videos --drop-missing
"""
import csv
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from msrvtt_layout import (ConversionError, caption_text, format_video,  # noqa: E402
                           run)

COLUMNS = ('videoid', 'contentUrl', 'duration', 'page_dir', 'name')


def convert(args):
    """``(video file, caption)`` pairs, one per CSV row."""
    try:
        f = open(args.src, newline='', encoding='utf-8')
    except FileNotFoundError:
        raise ConversionError(f'{args.src}: no such file; pass the WebVid metadata '
                              'CSV (results_2M_train.csv)') from None
    with f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        lacking = [c for c in ('videoid', 'name') if c not in header]
        if lacking:
            raise ConversionError(
                f'{args.src}: the header {header} lacks the columns {lacking}; expected '
                f'the WebVid metadata CSV with {", ".join(COLUMNS)}')
        pairs = []
        for row in reader:
            where = f'{args.src}, line {reader.line_num}'
            if None in row or None in row.values():
                raise ConversionError(
                    f'{where}: {"more" if None in row else "fewer"} fields than the '
                    f'{len(header)} columns of the header; quote captions that contain '
                    'commas or remove the row')
            if not row['videoid'].strip():
                raise ConversionError(f'{where}: the videoid is empty; fix or remove the row')
            name = format_video(args.video_template, where, **row)
            pairs.append((name, caption_text(row['name'], where)))
    if not pairs:
        raise ConversionError(f'{args.src}: the CSV has a header but no rows')
    return pairs


def main(argv=None):
    return run(convert, __doc__, '{page_dir}/{videoid}.mp4', argv)


if __name__ == '__main__':
    main()
