"""mmaction2's MSR-VTT retrieval layout, the annotation format every MAC video dataset reads.

``{"<video file relative to the video folder>": ["caption", ...], ...}`` (the JSON that
mmaction2's ``tools/data/video_retrieval`` writes for MSR-VTT; read by
``projects.mac.MACVideoTextDataset``). The DiDeMo, ActivityNet Captions and WebVid converters
(``didemo_annotations.py``, ``activitynet_captions.py``, ``webvid_annotations.py``) parse
their raw release into ``(video file, caption)`` pairs and write them through
:func:`write_layout`, which also checks the videos on disk.

Bad input raises :class:`ConversionError` with one paragraph naming the file, the entry and
the fix; :func:`run` turns it into a non-zero exit.
"""
import argparse
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Callable, Iterable, List, Optional, Sequence, Tuple


class ConversionError(ValueError):
    """Raw annotation that cannot be converted (the message names the file and the fix)."""


def load_json(path: str, kind: type, layout: str):
    """Parse ``path`` and check its top-level type (``list`` / ``dict``)."""
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except FileNotFoundError:
        raise ConversionError(f'{path}: no such file; pass the raw annotation '
                              f'file ({layout})') from None
    except json.JSONDecodeError as e:
        raise ConversionError(
            f'{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); '
            f'expected {layout}. Download the file again') from None
    if not isinstance(data, kind):
        raise ConversionError(
            f'{path}: the top level is a {type(data).__name__}, expected a '
            f'{kind.__name__} ({layout}); is this the right file?')
    return data


def caption_text(value, where: str) -> str:
    """A non-empty caption string, stripped, or a :class:`ConversionError` naming ``where``."""
    if not isinstance(value, str) or not value.strip():
        raise ConversionError(
            f'{where}: the caption is {value!r}, expected a non-empty string; fix or '
            'remove the entry')
    return ' '.join(value.split())


def group_captions(pairs: Iterable[Tuple[str, str]]) -> 'OrderedDict[str, List[str]]':
    """``(video, caption)`` pairs -> ``{video: [captions in file order]}`` (first-seen order)."""
    videos = OrderedDict()
    for video, caption in pairs:
        videos.setdefault(video, []).append(caption)
    return videos


def check_videos(videos: 'OrderedDict[str, List[str]]', video_dir: Optional[str],
                 source: str, drop_missing: bool, log: Callable = print):
    """Keep the videos found under ``video_dir``; missing ones are an error unless dropped.

    Dropped videos are counted and the count is printed, never silent.
    """
    if video_dir is None:
        return videos
    missing = [v for v in videos if not osp.isfile(osp.join(video_dir, v))]
    if missing and not drop_missing:
        raise ConversionError(
            f'{len(missing)} of the {len(videos)} videos listed in {source} are not in '
            f'{video_dir} (first: {missing[:3]}); check --video-dir and '
            '--video-template, or pass --drop-missing to leave them out')
    if missing:
        log(f'{source}: dropped {len(missing)} of {len(videos)} videos missing in '
            f'{video_dir} (first: {missing[:3]})')
    return OrderedDict((k, v) for k, v in videos.items() if k not in set(missing))


def write_layout(videos: 'OrderedDict[str, List[str]]', out: str) -> str:
    """Write ``{video: [captions]}`` atomically (a temporary file renamed into place)."""
    if not videos:
        raise ConversionError(f'nothing to write to {out}: no video is left')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    tmp = out + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(videos, f, ensure_ascii=False, indent=1)
    os.replace(tmp, out)
    return out


def format_video(template: str, where: str, **fields) -> str:
    """``template.format(**fields)``, or an error naming the unknown placeholder."""
    try:
        return template.format(**fields)
    except (KeyError, IndexError) as e:
        raise ConversionError(
            f'--video-template {template!r} uses {e} which {where} does not have; '
            f'available: {sorted(fields)}') from None


def parser(doc: str, default_template: str) -> argparse.ArgumentParser:
    """Arguments every converter shares: input, output, video folder check, file names."""
    p = argparse.ArgumentParser(description=doc.split('\n')[0])
    p.add_argument('src', help='raw annotation file of the release')
    p.add_argument('out', help='output JSON in the MSR-VTT retrieval layout')
    p.add_argument('--video-template', default=default_template,
                   help=f'video file name relative to the video folder '
                   f'(default {default_template!r})')
    p.add_argument('--video-dir', help='check that every video exists in this folder')
    p.add_argument('--drop-missing', action='store_true',
                   help='leave out (and count) videos missing in --video-dir '
                   'instead of failing')
    return p


def run(convert: Callable, doc: str, default_template: str,
        argv: Optional[Sequence[str]] = None, extra_args: Callable = None) -> dict:
    """Parse arguments, ``convert(args) -> pairs``, check videos, write; errors exit non-zero."""
    p = parser(doc, default_template)
    if extra_args is not None:
        extra_args(p)
    args = p.parse_args(argv)
    try:
        videos = group_captions(convert(args))
        videos = check_videos(videos, args.video_dir, args.src, args.drop_missing)
        write_layout(videos, args.out)
    except ConversionError as e:
        raise SystemExit(f'error: {e}') from None
    captions = sum(len(c) for c in videos.values())
    print(f'{args.out}: {len(videos)} videos, {captions} captions from {args.src}')
    return videos
