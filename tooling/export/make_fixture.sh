#!/usr/bin/env bash
# Regenerates the ONNX fixtures of packages/backbone-onnx/fixtures/ (each:
# model.onnx, model.backbone.json, and PyTorch's reference model.input.npy,
# model.features.npy, model.logits.npy):
#   stgcn-tiny/       the seeded tiny ST-GCN (stgcn_tiny.py)
#   two-stream-tiny/  a joint + bone two-stream model exported through the
#                     DerivedStreams wrapper (examples/two_stream.py, streams.py)
# Needs Debian's python3-torch and python3-onnx; CI never runs it. Re-running
# it gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
/usr/bin/python3 tooling/export/export_onnx.py \
  --model tooling/export/stgcn_tiny.py:build_model \
  --model-kwargs '{"num_classes": 60, "seed": 0}' \
  --feature-module blocks.3 \
  --frames 64 --joints 25 --persons 2 \
  --out packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx \
  --reference 4 --seed 1
/usr/bin/python3 tooling/export/export_onnx.py \
  --model tooling/export/examples/two_stream.py:build_wrapped \
  --model-kwargs '{"num_classes": 10, "seed": 0}' \
  --feature-module model.fuse \
  --frames 32 --joints 25 --persons 2 \
  --name two-stream-tiny \
  --out packages/backbone-onnx/fixtures/two-stream-tiny/model.onnx \
  --reference 3 --seed 2
