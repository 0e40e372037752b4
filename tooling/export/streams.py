"""Derived input streams built inside forward, for models that take more than (N, 3, T, V, M).

Skeleton-Cache feeds a backbone one tensor: skeletons (N, 3, T, V, M). Many
models train on streams derived from it — bones (joint minus its parent),
velocities (frame differences) — and take them stacked, e.g. EfficientGCN's
(N, I, C, T, V, M). Wrapping such a model in DerivedStreams moves that
derivation into the graph: the exported ONNX model takes (N, 3, T, V, M) and
builds the streams itself, exactly as the training pipeline did.

    from streams import DerivedStreams, NTU_PARENTS
    wrapped = DerivedStreams(model, streams=("joint", "velocity", "bone"), parents=NTU_PARENTS)

Adjust `derive` when the model's streams differ (extra channels, other
velocity conventions): the README shows the pattern.
"""

import torch
from torch import nn

# Parent of each NTU RGB+D joint (0-based), from the (joint, parent) pairs of
# 2s-AGCN's ntu bone list; the root (spine-shoulder, 20) is its own parent.
NTU_PAIRS_1BASED = [
    (1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21), (10, 9), (11, 10),
    (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19),
    (21, 21), (22, 23), (23, 8), (24, 25), (25, 12),
]
NTU_PARENTS = [parent - 1 for _joint, parent in sorted(NTU_PAIRS_1BASED)]


def joint_stream(x, parents):
    return x


def bone_stream(x, parents):
    """Each joint minus its parent (zero at the root)."""
    index = torch.tensor(parents, dtype=torch.long)
    return x - x.index_select(3, index)


def velocity_stream(x, parents):
    """Frame t+1 minus frame t; the last frame's velocity is zero."""
    difference = x[:, :, 1:] - x[:, :, :-1]
    return torch.cat([difference, torch.zeros_like(x[:, :, :1])], dim=2)


STREAMS = {"joint": joint_stream, "bone": bone_stream, "velocity": velocity_stream}


class DerivedStreams(nn.Module):
    """model(streams) from x (N, 3, T, V, M): streams stacked on a new axis 1 (N, I, 3, T, V, M),
    or concatenated on the channels (N, 3·I, T, V, M) with stack="channels"."""

    def __init__(self, model, streams=("joint", "bone"), parents=None, stack="axis"):
        super().__init__()
        unknown = [s for s in streams if s not in STREAMS]
        if unknown:
            raise ValueError(f"unknown streams {unknown}; known: {sorted(STREAMS)}")
        if stack not in ("axis", "channels"):
            raise ValueError(f"stack must be 'axis' or 'channels', got {stack!r}")
        self.model = model
        self.streams = tuple(streams)
        self.parents = list(parents if parents is not None else NTU_PARENTS)
        self.stack = stack

    def derive(self, x):
        if x.dim() != 5 or x.size(1) != 3:
            raise ValueError(f"DerivedStreams takes skeletons (N, 3, T, V, M), got {tuple(x.shape)}")
        if x.size(3) != len(self.parents):
            raise ValueError(f"the input has V = {x.size(3)} joints but parents lists {len(self.parents)}")
        parts = [STREAMS[name](x, self.parents) for name in self.streams]
        return torch.stack(parts, dim=1) if self.stack == "axis" else torch.cat(parts, dim=1)

    def forward(self, x):
        return self.model(self.derive(x))
