"""mmdet's ``DetInferencer`` for Obj2Seq: keypoints and multi-label scores in its output.

mmdet's ``DetInferencer.pred2dict`` keeps only boxes, labels, scores (and masks) of
``pred_instances``. Obj2Seq also predicts keypoints (pose model, ``pred_instances.keypoints``,
(N, K, 2): x, y in image pixels) and per-class presence probabilities
(prompt indicator, ``multilabel_scores`` (C,) on the data sample; the MLC model predicts only
those). :class:`Obj2SeqInferencer` is ``DetInferencer`` with both added to each prediction dict;
the visualisation (``out_dir/vis/*.png``) draws them through the configs'
``KeypointDetLocalVisualizer``.

Example::

    from projects.obj2seq.inference import Obj2SeqInferencer
    inferencer = Obj2SeqInferencer('configs/obj2seq/obj2seq-mlc_r50_8xb1-50e_coco.py', ckpt)
    out = inferencer('demo.jpg', out_dir='outputs')
    out['predictions'][0]['multilabel_scores']      # C probabilities
    out['predictions'][0]['multilabel_classes']     # classes above the score threshold
"""
import copy
import os.path as osp
from typing import Dict

import mmengine

from mmdet.apis import DetInferencer
from mmdet.structures import DetDataSample


class Obj2SeqInferencer(DetInferencer):
    """``DetInferencer`` whose prediction dicts also hold Obj2Seq's keypoints and
    multi-label scores.

    Args:
        multilabel_thr (float): classes whose presence probability reaches this value are
            listed in ``multilabel_classes`` (by name). Defaults to 0.5.
        *args, **kwargs: those of :class:`mmdet.apis.DetInferencer`.
    """

    def __init__(self, *args, multilabel_thr: float = 0.5, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.multilabel_thr = multilabel_thr

    def _init_pipeline(self, cfg):
        """mmdet's inference pipeline without the keypoint annotation loader (an
        inference input has no annotations)."""
        cfg = copy.deepcopy(cfg)
        pipeline = cfg.test_dataloader.dataset.pipeline
        cfg.test_dataloader.dataset.pipeline = [
            t for t in pipeline if t.get('type') != 'LoadKeypointAnnotations'
        ]
        return super()._init_pipeline(cfg)

    def pred2dict(self, data_sample: DetDataSample,
                  pred_out_dir: str = '') -> Dict:
        """mmdet's dict plus ``keypoints`` (N x K x 2 lists) and ``multilabel_scores``
        (C floats) with ``multilabel_classes`` (names of the classes at or above
        ``multilabel_thr``); the json file mmdet writes to ``pred_out_dir`` holds them too."""
        result = super().pred2dict(data_sample, pred_out_dir)
        extra = {}
        pred = data_sample.get('pred_instances')
        if pred is not None and 'keypoints' in pred:
            kpts = pred.keypoints
            extra['keypoints'] = (
                kpts.cpu().numpy() if hasattr(kpts, 'cpu') else kpts).tolist()
        scores = data_sample.get('multilabel_scores')
        if scores is not None:
            scores = scores.detach().cpu().float()
            classes = (self.model.dataset_meta or {}).get('classes') or []
            extra['multilabel_scores'] = scores.tolist()
            extra['multilabel_classes'] = [
                classes[i] if i < len(classes) else i
                for i in range(len(scores))
                if scores[i] >= self.multilabel_thr
            ]
        result.update(extra)
        if extra and pred_out_dir:
            # the file mmdet's pred2dict has just written (same naming rule)
            if 'img_path' in data_sample:
                stem = osp.splitext(osp.basename(data_sample.img_path))[0]
            else:
                stem = str(self.num_predicted_imgs - 1)
            mmengine.dump(result, osp.join(pred_out_dir, 'preds', f'{stem}.json'))
        return result
