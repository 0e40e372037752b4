"""A tiny model with joint + bone input streams, and its wrapper for export.

TwoStreamNet takes (N, I = 2, 3, T, V, M) — a joint stream and a bone stream
stacked on axis 1, the way EfficientGCN takes its (N, I, C, T, V, M) — so it
cannot run on Skeleton-Cache's (N, 3, T, V, M). build_wrapped() puts it inside
DerivedStreams, which derives both streams in forward; that is what gets
exported (packages/backbone-onnx/fixtures/two-stream-tiny, see make_fixture.sh).
Weights are random but seeded: it exercises the pattern, it recognises nothing.
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from streams import NTU_PARENTS, DerivedStreams  # noqa: E402


class StreamStem(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.spatial = nn.Conv2d(3, channels, kernel_size=1)
        self.temporal = nn.Conv2d(channels, channels, kernel_size=(3, 1), padding=(1, 0))

    def forward(self, x):
        return torch.relu(self.temporal(torch.relu(self.spatial(x))))


class TwoStreamNet(nn.Module):
    def __init__(self, num_classes=10, channels=8):
        super().__init__()
        self.stems = nn.ModuleList([StreamStem(channels), StreamStem(channels)])
        self.fuse = nn.Conv2d(2 * channels, 2 * channels, kernel_size=(3, 1), stride=(2, 1), padding=(1, 0))
        self.classifier = nn.Linear(2 * channels, num_classes)

    def forward(self, x):
        n, streams, c, t, v, m = x.shape  # the bare model needs rank 6
        folded = x.permute(0, 5, 1, 2, 3, 4).reshape(n * m, streams, c, t, v)
        stems = [stem(folded[:, i]) for i, stem in enumerate(self.stems)]
        features = torch.relu(self.fuse(torch.cat(stems, dim=1)))  # (N·M, C, T/2, V): tapped as "model.fuse"
        pooled = features.mean(dim=(2, 3)).view(n, m, -1).mean(dim=1)
        return self.classifier(pooled)


def build_model(num_classes=10, seed=0):
    torch.manual_seed(seed)
    return TwoStreamNet(num_classes)


def build_wrapped(num_classes=10, seed=0):
    return DerivedStreams(build_model(num_classes, seed), streams=("joint", "bone"), parents=NTU_PARENTS)
