"""`harness train`: the training recipes of `trackers.training` run on Ray Train.

`command` (arguments and the sub-command), `driver` (TorchTrainer, progress, evaluation, the run
folder's summary), `worker` (the loop each Ray Train worker runs), `runfolder` (what a run folder
holds), `plot` (the loss curve as SVG) and `validate` (an epoch's checkpoint scored by the harness).
"""
