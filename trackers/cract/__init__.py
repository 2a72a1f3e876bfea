"""CRACT (Fan & Ling, "CRACT: Cascaded Regression-Align-Classification for Robust Visual
Tracking", arXiv 2011.12483): Siamese RPN proposals refined by box regression, re-pooled on the
regressed box (pyramid RoIAlign) and classified by an offline identifier and an online
discriminator.

- torch-free: `config`, `sampling` (boxes around the target), `boxes`, `select` (Eq. 9-10);
- torch: `roi_align`, `heads`, `model`, `online` (the discriminator and its Gauss-Newton
  learner), `tracker`, `losses` (the offline training loss), `checkpoint`.

It reuses `trackers.siamese` for the backbone, RPN, anchors, crops, penalties, NMS, anchor
targets, the RPN loss and the checkpoint format. `plugins` is what the registry loads.
"""
