"""What a training or timing job does around the numbers, never to them: epoch lines and history rows,
TensorBoard, the run record (where and with what a run trained), the run's lock, GPUs and process settings,
and the launcher that ties them to train/. Nothing in train/ imports this folder, so editing it retrains
nothing (tests/test_fingerprint.py guards that boundary)."""
