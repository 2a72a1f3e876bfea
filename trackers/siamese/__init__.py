"""Siamese region-proposal trackers: SiamRPN (Li et al., CVPR 2018) and SiamRPN++ (Li et al., CVPR 2019).

The building blocks the cascaded trackers (`cascade`: C-RPN and SCTRPN) reuse live here once:

- torch-free: `config` (variants and hyper-parameters), `anchors`, `crop`, `penalty`
  (cosine window, scale/ratio penalty, size update), `decode` (scores and offsets to boxes,
  then the choice of one, optionally among an alive subset), `nms`, `targets` (training labels)
  and `region` (the start box the authors' test scripts derive from a benchmark region);
- torch: `xcorr`, `backbones`, `neck`, `rpn`, `model`, `losses`, `checkpoint` and `tracker`.

`plugins` is what the registry loads; it imports torch only when a tracker is built, so the
registry lists these trackers (and says why they cannot run) on a machine without torch.
"""
