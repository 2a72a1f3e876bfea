"""Training the Siamese trackers the way their authors did (pysot's recipe, STVIR/pysot@d04028f).

torch-free, usable in data-loading processes: `geometry` (the 511 crops and the box in them),
`augment` (pysot's `Augmentation`), `anchor_target` (pysot's `AnchorTarget` on top of
`trackers.siamese.targets`), `schedule` (learning rates), `sources` (videos from the benchmark
loaders, pysot's crop511 layout, and synthetic scenes), `pairs` (which frames make a pair) and
`config` (every hyper-parameter of a run). With torch: `dataset` (pairs as arrays and batches),
`specs` (what each tracker contributes: network, targets, loss, proposals), `optim` (parameter
groups and freezing), `step` (one optimisation step), `trainer` (one worker's training state and
checkpoints) and `probe` (held-out loss and top-proposal IoU).

The Ray Train orchestration (`harness train`) lives in `harness/train/`; nothing here imports it.
"""
