"""A small ST-GCN of the project's own, for tests and benchmarks.

Graph convolution over the 25-joint NTU graph with ST-GCN's spatial
partitioning (root / centripetal / centrifugal subsets, Yan et al., AAAI 2018,
Eq. 9-10), temporal convolutions with stride, four blocks 3->16->32->64->64,
input (N, 3, T, 25, M). Weights are random but seeded: the model recognises
nothing; it exists so that the export tooling and the ONNX adapter can be
checked end to end on a real ST-GCN-shaped graph.
"""

import numpy as np
import torch
from torch import nn

NUM_JOINTS = 25
CENTER = 20  # SpineShoulder, 0-based (ST-GCN's ntu-rgb+d layout)
# The 24 bones of ST-GCN's 'ntu-rgb+d' layout, 1-based.
NTU_EDGES_1BASED = [
    (1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7),
    (9, 21), (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15),
    (17, 1), (18, 17), (19, 18), (20, 19), (22, 23), (23, 8), (24, 25), (25, 12),
]


def hop_distance(num_node, edges, max_hop=1):
    adjacency = np.zeros((num_node, num_node))
    for i, j in edges:
        adjacency[i, j] = 1
        adjacency[j, i] = 1
    hop = np.full((num_node, num_node), np.inf)
    powers = [np.linalg.matrix_power(adjacency + np.eye(num_node), d) for d in range(max_hop + 1)]
    reach = np.stack(powers) > 0
    for d in range(max_hop, -1, -1):
        hop[reach[d]] = d
    return hop


def normalize_digraph(adjacency):
    degree = adjacency.sum(0)
    inverse = np.zeros_like(adjacency)
    for i, value in enumerate(degree):
        if value > 0:
            inverse[i, i] = 1.0 / value
    return adjacency @ inverse


def spatial_partition(num_node=NUM_JOINTS, edges=None, center=CENTER, max_hop=1):
    """ST-GCN spatial configuration partitioning: A of shape (3, V, V)."""
    edges = [(i - 1, j - 1) for i, j in (edges or NTU_EDGES_1BASED)]
    hop = hop_distance(num_node, edges, max_hop)
    adjacency = np.zeros((num_node, num_node))
    adjacency[hop <= max_hop] = 1
    normalized = normalize_digraph(adjacency)
    subsets = []
    for h in range(max_hop + 1):
        root = np.zeros((num_node, num_node))
        close = np.zeros((num_node, num_node))
        further = np.zeros((num_node, num_node))
        for i in range(num_node):
            for j in range(num_node):
                if hop[j, i] == h:
                    if hop[j, center] == hop[i, center]:
                        root[j, i] = normalized[j, i]
                    elif hop[j, center] > hop[i, center]:
                        close[j, i] = normalized[j, i]
                    else:
                        further[j, i] = normalized[j, i]
        if h == 0:
            subsets.append(root)
        else:
            subsets.append(root + close)
            subsets.append(further)
    return np.stack(subsets).astype(np.float32)


class GraphConv(nn.Module):
    """sum_k A_k-weighted aggregation of a 1x1 conv's K channel groups (ST-GCN Eq. 10)."""

    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv = nn.Conv2d(in_channels, out_channels * kernel_size, kernel_size=1)

    def forward(self, x, adjacency):
        n, _, t, v = x.size()
        x = self.conv(x)
        x = x.view(n, self.kernel_size, -1, t, v)  # (N, K, C, T, V)
        c = x.size(2)
        x = x.reshape(n, self.kernel_size, c * t, v)
        x = torch.matmul(x, adjacency)  # (N, K, C*T, W)
        x = x.sum(dim=1)
        return x.view(n, c, t, v)


class STGCNBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, residual=True, temporal_kernel=9):
        super().__init__()
        padding = (temporal_kernel - 1) // 2
        self.gcn = GraphConv(in_channels, out_channels, kernel_size)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, (temporal_kernel, 1), (stride, 1), (padding, 0)),
            nn.BatchNorm2d(out_channels),
        )
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=(stride, 1)),
                nn.BatchNorm2d(out_channels),
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x, adjacency):
        res = 0 if self.residual is None else self.residual(x)
        return self.relu(self.tcn(self.gcn(x, adjacency)) + res)


class TinySTGCN(nn.Module):
    """Input (N, 3, T, 25, M); returns logits (N, num_classes). The last block's
    output (N*M, 64, T/4, 25) is the feature volume to tap ("blocks.3")."""

    def __init__(self, num_classes=60, channels=(16, 32, 64, 64), strides=(1, 2, 2, 1), in_channels=3, persons=2):
        super().__init__()
        self.register_buffer("adjacency", torch.from_numpy(spatial_partition()))
        k = self.adjacency.size(0)
        self.data_bn = nn.BatchNorm1d(in_channels * NUM_JOINTS * persons)
        blocks = []
        previous = in_channels
        for i, (width, stride) in enumerate(zip(channels, strides)):
            blocks.append(STGCNBlock(previous, width, k, stride=stride, residual=i > 0))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.edge_importance = nn.ParameterList([nn.Parameter(torch.ones(k, NUM_JOINTS, NUM_JOINTS)) for _ in blocks])
        self.fc = nn.Conv2d(previous, num_classes, kernel_size=1)

    def forward(self, x):
        n, c, t, v, m = x.size()
        x = x.permute(0, 4, 3, 1, 2).contiguous().view(n, m * v * c, t)
        x = self.data_bn(x)
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).contiguous().view(n * m, c, t, v)
        for block, importance in zip(self.blocks, self.edge_importance):
            x = block(x, self.adjacency * importance)
        pooled = x.mean(dim=(2, 3)).view(n, m, -1).mean(dim=1)  # (N, C)
        return self.fc(pooled.view(n, -1, 1, 1)).view(n, -1)


def build_model(num_classes=60, seed=0):
    """A TinySTGCN with seeded random weights and BatchNorm statistics, in eval mode."""
    generator = torch.Generator().manual_seed(seed)
    model = TinySTGCN(num_classes=num_classes)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name == "adjacency" or name.endswith("num_batches_tracked"):
                continue
            if name.endswith("running_var"):
                tensor.copy_(0.5 + torch.rand(tensor.shape, generator=generator))
            elif name.endswith("running_mean"):
                tensor.copy_(0.1 * torch.randn(tensor.shape, generator=generator))
            elif "edge_importance" in name:
                tensor.copy_(0.75 + 0.5 * torch.rand(tensor.shape, generator=generator))
            elif tensor.dim() > 1:
                fan_in = tensor[0].numel()
                tensor.copy_(torch.randn(tensor.shape, generator=generator) / np.sqrt(fan_in))
            else:
                tensor.copy_(0.1 * torch.randn(tensor.shape, generator=generator))
    return model.eval()
