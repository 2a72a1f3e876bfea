"""Cascaded region-proposal trackers on the shared Siamese blocks: C-RPN (Fan & Ling, CVPR 2019)
and SCTRPN (Zhang, Luo & Fan, Sensors 2020).

Three RPN stages from deep to shallow AlexNet layers (conv5, conv4, conv3); after each stage the
anchors whose background probability exceeds θ are dropped and the rest are moved by that stage's
regression, and the next stage scores the moved anchors. The two trackers differ in how a stage
receives the deeper stage's features (C-RPN's feature transfer block, SCTRPN's spatial-transformer
module), in the classification loss (softmax cross entropy; shrinkage loss) and in SCTRPN's
multi-cue re-ranking of the last stage's proposals.

- torch-free: `config` (variants, tracking and loss settings), `stages` (the θ filter and the
  anchor refinement of one stage, on numpy maps: shared by tracking and the training loss),
  `rerank` (shape, colour and size cues, then NMS);
- torch: `ftb`, `stn`, `model`, `shrinkage`, `loss`, `tracker`.

`plugins` is what the registry loads; torch is imported only when a tracker is built.
"""
