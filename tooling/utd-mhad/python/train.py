#!/usr/bin/python3
"""Train one seen-class UTD-MHAD backbone and export it to ONNX.

    nice -n 15 /usr/bin/python3 tooling/utd-mhad/python/train.py \
        --data /tmp/utd-prep --split utd_mhad_22_5 --seed 0 [--fold 0]

--data is what tooling/utd-mhad/src/prepare.ts writes (never committed).
Training classes = the split's seen classes; with --fold F, a seeded draw of
min(U, floor(S/2)) seen classes is held out as pseudo-unseen (validation
models for choosing alpha and beta without unseen labels) and the rest are
trained on. All samples (all subjects) of the training classes are used.

Loss: cross-entropy over the training classes of cos(embedding, semantic
vector) / 0.1. Fixed recipe, no early stopping, no look at held-out or unseen
labels: Adam (lr 2e-3, weight decay 5e-4), cosine schedule, batch 32,
EPOCHS epochs, rotation about the vertical axis (+-0.3 rad) and Gaussian
jitter (sd 0.005 m) as augmentation. Deterministic: seeds for torch and numpy,
deterministic algorithms, one thread.

Writes to --out (default benchmarks/utd-mhad/models/<split>/seed<S> or
fold<F>): model.onnx + model.backbone.json (via tooling/export/export_onnx.py,
features tapped at blocks.3), train.json (recipe, classes, per-epoch loss and
training accuracy, the exact command) and, outside the repository, the
PyTorch state dict at --ckpt-dir.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SHARED = os.environ.get("SKC_SHARED", os.path.abspath(os.path.join(REPO, "..", "shared")))
sys.path.insert(0, HERE)
import model as model_lib  # noqa: E402

RECIPE = {
    "epochs": 15,
    "batch": 32,
    "lr": 2e-3,
    "weight_decay": 5e-4,
    "temperature": 0.1,
    "rotation_rad": 0.3,
    "jitter_m": 0.005,
    "threads": 1,
}


def held_out_classes(seen, unseen_count, fold):
    count = min(unseen_count, len(seen) // 2)
    rng = np.random.RandomState(1000 + fold)
    return sorted(int(c) for c in rng.choice(sorted(seen), size=count, replace=False))


def augment(x, rng):
    """x (B, 3, T, V, 1) numpy: rotate about y (Kinect up axis), add jitter."""
    b = x.shape[0]
    theta = rng.uniform(-RECIPE["rotation_rad"], RECIPE["rotation_rad"], size=b)
    c, s = np.cos(theta), np.sin(theta)
    out = x.copy()
    out[:, 0] = c[:, None, None, None] * x[:, 0] + s[:, None, None, None] * x[:, 2]
    out[:, 2] = -s[:, None, None, None] * x[:, 0] + c[:, None, None, None] * x[:, 2]
    out += rng.normal(0, RECIPE["jitter_m"], size=out.shape).astype(np.float32)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--split", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fold", type=int)
    p.add_argument("--semantics", default=os.path.join(REPO, "benchmarks/utd-mhad/semantics/descriptions.npy"))
    p.add_argument("--out")
    p.add_argument("--ckpt-dir", default="/tmp/utd-ckpt")
    p.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    args = p.parse_args(argv)
    recipe = dict(RECIPE, epochs=args.epochs)

    torch.set_num_threads(recipe["threads"])
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    rng = np.random.RandomState(args.seed)

    splits = json.load(open(os.path.join(SHARED, "data/real/utd_mhad_splits.json")))
    if args.split not in splits:
        raise SystemExit(f"--split {args.split!r}: not in utd_mhad_splits.json ({sorted(splits)})")
    split = splits[args.split]
    seen = sorted(split["seen"])
    if args.fold is None:
        train_classes, held_out = seen, sorted(split["unseen"])
        name = f"seed{args.seed}"
    else:
        held_out = held_out_classes(seen, len(split["unseen"]), args.fold)
        train_classes = [c for c in seen if c not in held_out]
        name = f"fold{args.fold}"
    out_dir = args.out or os.path.join(REPO, "benchmarks/utd-mhad/models", args.split, name)
    os.makedirs(out_dir, exist_ok=True)

    x_all = np.load(os.path.join(args.data, "x.npy"))
    y_all = np.load(os.path.join(args.data, "labels.npy"))
    keep = np.isin(y_all, train_classes)
    x_train, y_train = x_all[keep], y_all[keep]
    remap = {c: i for i, c in enumerate(train_classes)}
    target = np.array([remap[int(c)] for c in y_train], dtype=np.int64)
    sem = np.load(args.semantics).astype(np.float32)
    sem_train = F.normalize(torch.tensor(sem[train_classes]), dim=1)

    net = model_lib.StgcnUtd(embed_dim=sem.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    steps_per_epoch = int(np.ceil(len(target) / recipe["batch"]))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=recipe["epochs"] * steps_per_epoch)
    history = []
    started = time.time()
    for epoch in range(recipe["epochs"]):
        net.train()
        order = rng.permutation(len(target))
        loss_sum, correct = 0.0, 0
        for start in range(0, len(order), recipe["batch"]):
            idx = order[start:start + recipe["batch"]]
            xb = torch.from_numpy(augment(x_train[idx], rng))
            yb = torch.from_numpy(target[idx])
            emb = F.normalize(net(xb), dim=1)
            logits = emb @ sem_train.T / recipe["temperature"]
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        row = {"epoch": epoch + 1, "loss": round(loss_sum / len(order), 5),
               "train_acc": round(correct / len(order), 5), "seconds": round(time.time() - started, 1)}
        history.append(row)
        print(json.dumps(row), flush=True)

    os.makedirs(args.ckpt_dir, exist_ok=True)
    ckpt = os.path.join(args.ckpt_dir, f"{args.split}-{name}.pt")
    net.eval()
    torch.save(net.state_dict(), ckpt)

    semantics_rel = os.path.relpath(args.semantics, REPO)
    export_cmd = [
        sys.executable, "tooling/export/export_onnx.py",
        "--model", "tooling/utd-mhad/python/model.py:build_model",
        "--model-kwargs", json.dumps({"embed_dim": int(sem.shape[1])}),
        "--checkpoint", ckpt,
        "--feature-module", "blocks.3",
        "--output-kind", "embedding", "--class-embeddings", os.path.relpath(args.semantics, REPO),
        "--head", "cosine", "--temperature", str(recipe["temperature"]),
        "--frames", "64", "--joints", "20", "--persons", "1",
        "--out", os.path.relpath(os.path.join(out_dir, "model.onnx"), REPO),
    ]
    subprocess.run(export_cmd, check=True, cwd=REPO)

    def rel(path):
        return os.path.relpath(path, REPO) if os.path.isabs(path) and path.startswith(REPO) else path

    log = {
        "format": "skeleton-cache.utd-mhad-train/1",
        "split": args.split,
        "seed": args.seed,
        "fold": args.fold,
        "train_classes": train_classes,
        "held_out_classes": held_out,
        "held_out_role": "unseen (zero-shot test)" if args.fold is None else "pseudo-unseen (validation)",
        "train_samples": int(len(target)),
        "semantics": semantics_rel,
        "recipe": recipe,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "torch": torch.__version__,
        "history": history,
        "command": "nice -n 15 /usr/bin/python3 " + " ".join(shlex.quote(rel(a)) for a in [os.path.abspath(__file__)] + (argv or sys.argv[1:])),
        "export_command": "/usr/bin/python3 " + " ".join(shlex.quote(a) for a in export_cmd[1:]),
        "data": "tooling/utd-mhad/src/prepare.ts over ../shared/data/real/utd-mhad (861 .mat files; not committed)",
    }
    with open(os.path.join(out_dir, "train.json"), "w") as f:
        json.dump(log, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
