#!/usr/bin/env bash
# Regenerates packages/backbone-onnx/fixtures/stgcn-tiny/ (model.onnx,
# model.backbone.json, input.npy, features.npy, logits.npy) from the seeded
# tiny ST-GCN. Needs Debian's python3-torch and python3-onnx; CI never runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
/usr/bin/python3 tooling/export/export_onnx.py \
  --model tooling/export/stgcn_tiny.py:build_model \
  --model-kwargs '{"num_classes": 60, "seed": 0}' \
  --feature-module blocks.3 \
  --frames 64 --joints 25 --persons 2 \
  --out packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx \
  --reference 4 --seed 1
