#!/usr/bin/python3
"""A small ST-GCN for UTD-MHAD zero-shot recognition (Kinect v1, 20 joints).

Input (N, 3, T=64, V=20, M=1): the sequence after the TypeScript
preprocessing (tooling/utd-mhad/src/preprocessing.ts: resampled to 64 frames,
joints relative to the first frame's spine joint). Inside the graph:

1. scale normalisation: divide by the mean joint distance from the origin
   over all frames and joints (one number per sample);
2. frame differences x[t+1] - x[t] (0 at the last frame) appended: 6 channels;
3. data BatchNorm over (V, C), four ST-GCN blocks 6->32->64->96->96, spatial
   partitioning (root / centripetal / centrifugal) over the Kinect v1 bones,
   temporal kernel 5, temporal strides 2, 2, 1, 1 (T' = 16), residuals,
   learnable edge importance;
4. `blocks.3` output = the feature volume F (N, 96, 16, 20) that
   Skeleton-Cache reads;
5. global average pooling -> linear 96 -> D (the class-semantic dimension):
   the skeleton embedding. Training scores it against the seen classes'
   semantic vectors by cosine / 0.1.
"""

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

NUM_JOINTS = 20
# @skeleton-cache/skeleton KINECT_V1_20.bones and graphCenter (checked against the
# TypeScript layout by tooling/utd-mhad/src/layout.test.ts reading this file).
BONES = [
    (0, 1), (1, 2), (2, 3), (1, 4), (4, 5), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (10, 11),
    (3, 12), (12, 13), (13, 14), (14, 15), (3, 16), (16, 17), (17, 18), (18, 19),
]
CENTER = 1


def spatial_partitions():
    """ST-GCN 'spatial' strategy: (3, V, V) normalised adjacency (root, closer, further)."""
    v = NUM_JOINTS
    adj = np.zeros((v, v))
    for i, j in BONES:
        adj[i, j] = adj[j, i] = 1
    hop = np.full((v, v), np.inf)
    reach = [np.linalg.matrix_power(adj + np.eye(v), d) for d in range(2)]
    for d in (1, 0):
        hop[reach[d] > 0] = d
    dist = np.full(v, np.inf)  # hop distance to the centre joint (BFS)
    dist[CENTER] = 0
    frontier = [CENTER]
    while frontier:
        nxt = []
        for a in frontier:
            for b in range(v):
                if adj[a, b] and dist[b] == np.inf:
                    dist[b] = dist[a] + 1
                    nxt.append(b)
        frontier = nxt
    a_norm = (adj + np.eye(v))
    deg = a_norm.sum(0)
    a_norm = a_norm / deg[None, :]  # column-normalised, as ST-GCN normalize_digraph
    parts = np.zeros((3, v, v))
    for i in range(v):
        for j in range(v):
            if hop[j, i] > 1:
                continue
            if dist[j] == dist[i]:
                parts[0, j, i] = a_norm[j, i]
            elif dist[j] > dist[i]:
                parts[1, j, i] = a_norm[j, i]
            else:
                parts[2, j, i] = a_norm[j, i]
    return parts.astype(np.float32)


class GraphConv(nn.Module):
    def __init__(self, c_in, c_out, partitions):
        super().__init__()
        self.k = partitions
        self.conv = nn.Conv2d(c_in, c_out * partitions, 1)

    def forward(self, x, a):
        n, _, t, v = x.shape
        c = self.conv.out_channels // self.k
        # sum_k x_k A_k as one matrix product: rows (n, c, t), columns (k, v) -> w
        x = self.conv(x).view(n, self.k, c * t, v).permute(0, 2, 1, 3).reshape(n * c * t, self.k * v)
        return torch.matmul(x, a.reshape(self.k * v, v)).view(n, c, t, v)


class Block(nn.Module):
    def __init__(self, c_in, c_out, a, stride=1, kernel=5, residual=True):
        super().__init__()
        self.gcn = GraphConv(c_in, c_out, a.shape[0])
        self.importance = nn.Parameter(torch.ones(a.shape))
        self.register_buffer("a", torch.tensor(a))
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, (kernel, 1), (stride, 1), ((kernel - 1) // 2, 0)),
            nn.BatchNorm2d(c_out),
        )
        if not residual:
            self.res = None
        elif c_in == c_out and stride == 1:
            self.res = nn.Identity()
        else:
            self.res = nn.Sequential(nn.Conv2d(c_in, c_out, 1, (stride, 1)), nn.BatchNorm2d(c_out))

    def forward(self, x):
        y = self.tcn(self.gcn(x, self.a * self.importance))
        if self.res is not None:
            y = y + self.res(x)
        return F.relu(y)


class StgcnUtd(nn.Module):
    def __init__(self, embed_dim=100, channels=(32, 64, 96, 96), strides=(2, 2, 1, 1)):
        super().__init__()
        a = spatial_partitions()
        self.data_bn = nn.BatchNorm1d(6 * NUM_JOINTS)
        blocks = []
        c_in = 6
        for i, (c, s) in enumerate(zip(channels, strides)):
            blocks.append(Block(c_in, c, a, stride=s, residual=i > 0))
            c_in = c
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(c_in, embed_dim)

    def features(self, x):
        # x: (N, 3, T, V, M=1)
        x = x[..., 0]
        n, c, t, v = x.shape
        norm = torch.sqrt((x * x).sum(1)).mean(dim=(1, 2))  # (N,) mean joint distance
        x = x / (norm.view(n, 1, 1, 1) + 1e-6)
        diff = torch.cat([x[:, :, 1:] - x[:, :, :-1], torch.zeros_like(x[:, :, :1])], dim=2)
        x = torch.cat([x, diff], dim=1)  # (N, 6, T, V)
        x = x.permute(0, 3, 1, 2).reshape(n, v * 6, t)
        x = self.data_bn(x)
        x = x.view(n, v, 6, t).permute(0, 2, 3, 1)
        for block in self.blocks:
            x = block(x)
        return x  # (N, C, T', V)

    def forward(self, x):
        f = self.features(x)
        return self.head(f.mean(dim=(2, 3)))


def build_model(embed_dim=100, checkpoint=None):
    model = StgcnUtd(embed_dim=embed_dim)
    if checkpoint:
        model.load_state_dict(torch.load(checkpoint, map_location="cpu"))
    model.eval()
    return model
