#!/usr/bin/python3
"""Export a PyTorch SZAR backbone to ONNX for @skeleton-cache/backbone-onnx.

The model is wrapped so that the ONNX graph has two outputs: the class output
(logits, or an embedding for a zero-shot head) and the feature volume tapped
with a forward hook on a named submodule (the last spatio-temporal layer,
before pooling). Opset 13, dynamic batch. The adapter config JSON is written
next to the model as <stem>.backbone.json. With --reference N it also saves a
seeded input (N, 3, T, V, M) and PyTorch's own outputs for it
(features.npy, person-averaged, and logits.npy / embedding.npy), so the
TypeScript side can check the ONNX graph against PyTorch.

Run with Debian's python (python3-torch, python3-onnx): /usr/bin/python3.
See README.md for examples.
"""

import argparse
import importlib
import importlib.util
import json
import os
import shlex
import sys

CONFIG_FORMAT = "skeleton-cache.onnx-backbone/1"

# Every module the exporter needs beyond the standard library: (module, Debian package, pip package).
REQUIRED_MODULES = (
    ("numpy", "python3-numpy", "numpy"),
    ("torch", "python3-torch", "torch"),
    ("onnx", "python3-onnx", "onnx"),
)


def exit_unless_importable():
    """Tries every required module before anything is read or written; names all that are missing
    with their install lines, exit 2 (a half-done export would leave a model without its config)."""
    missing = []
    for module, debian, pip in REQUIRED_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append((module, debian, pip))
    if not missing:
        return
    modules = ", ".join(module for module, _, _ in missing)
    plural = "s" if len(missing) > 1 else ""
    print(
        f"export_onnx.py: missing Python module{plural}: {modules}; nothing was written. Install, then run again:\n"
        f"  Debian / Ubuntu: apt-get install -y {' '.join(debian for _, debian, _ in missing)}"
        "   (for Debian's /usr/bin/python3)\n"
        f"  pip:             {sys.executable} -m pip install {' '.join(pip for _, _, pip in missing)}\n"
        f"(this Python is {sys.executable})",
        file=sys.stderr,
    )
    sys.exit(2)


exit_unless_importable()

import numpy as np  # noqa: E402  (imported once known to be there)
import onnx  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def load_factory(spec):
    """'module:callable' or 'path/to/file.py:callable' -> the callable."""
    if ":" not in spec:
        raise SystemExit(f"--model {spec!r}: expected 'module:callable' or 'file.py:callable'")
    target, name = spec.rsplit(":", 1)
    if target.endswith(".py"):
        path = os.path.abspath(target)
        sys.path.insert(0, os.path.dirname(path))
        module_spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(target)
    if not hasattr(module, name):
        raise SystemExit(f"--model {spec!r}: {target} has no attribute {name!r}")
    return getattr(module, name)


def load_checkpoint(model, path, key):
    checkpoint = torch.load(path, map_location="cpu")
    state = checkpoint
    if key:
        for part in key.split("."):
            state = state[part]
    elif isinstance(checkpoint, dict) and "state_dict" in checkpoint:
        state = checkpoint["state_dict"]
    state = {k[7:] if k.startswith("module.") else k: v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{path}: checkpoint does not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}")


class Tapped(nn.Module):
    """Returns (class output, features), the features caught by a forward hook."""

    def __init__(self, model, feature_module, output_index=None):
        super().__init__()
        modules = dict(model.named_modules())
        if feature_module not in modules:
            names = [n for n in modules if n][:40]
            raise SystemExit(f"--feature-module {feature_module!r} is not a submodule; some names: {names}")
        self.model = model
        self.target = modules[feature_module]
        self.output_index = output_index

    def forward(self, x):
        caught = []
        handle = self.target.register_forward_hook(lambda _m, _i, out: caught.append(out))
        try:
            out = self.model(x)
        finally:
            handle.remove()
        if isinstance(out, (tuple, list)):
            if self.output_index is None:
                raise SystemExit("the model returns a tuple: pass --output-index to say which item is the class output")
            out = out[self.output_index]
        if not caught:
            raise SystemExit("the feature module never ran during forward")
        features = caught[-1]
        if isinstance(features, (tuple, list)):
            features = features[0]
        return out, features


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="'module:factory' or 'file.py:factory' returning an nn.Module")
    parser.add_argument("--model-kwargs", default="{}", help="JSON object passed to the factory")
    parser.add_argument("--checkpoint", help="state dict / checkpoint to load (torch.load)")
    parser.add_argument("--checkpoint-key", help="dotted key of the state dict inside the checkpoint")
    parser.add_argument("--feature-module", required=True, help="named submodule whose output is the feature volume")
    parser.add_argument("--output-index", type=int, help="which item of a tuple output is the class output")
    parser.add_argument("--output-kind", choices=["logits", "embedding"], default="logits")
    parser.add_argument("--class-embeddings", help="embedding outputs: .npy (classes, D), stored relative to the config")
    parser.add_argument("--head", choices=["cosine", "dot"], default="cosine")
    parser.add_argument("--temperature", type=float, default=0.1, help="cosine head: logits = cos / temperature")
    parser.add_argument("--frames", type=int, required=True, help="T of the input")
    parser.add_argument("--joints", type=int, default=25, help="V of the input")
    parser.add_argument("--persons", type=int, default=2, help="M of the input")
    parser.add_argument("--out", required=True, help="path of the .onnx to write")
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument(
        "--input-shape",
        help="one sample's shape for the test input, comma-separated (default 3,FRAMES,JOINTS,PERSONS: what Skeleton-Cache feeds)",
    )
    parser.add_argument("--name", help="the model's name in bundles and reports (default: from the output path)")
    parser.add_argument("--temporal", choices=["zero-pad", "repeat-pad", "resample"], help="preprocessing the model was trained with")
    parser.add_argument("--center", choices=["none", "first-frame", "per-frame"], help="preprocessing: centring")
    parser.add_argument("--body-selection", choices=["file-order", "motion-energy"], help="preprocessing: which bodies")
    parser.add_argument("--align", action="store_true", default=None, help="preprocessing: view alignment")
    parser.add_argument(
        "--reference",
        type=int,
        default=0,
        help="save a seeded input of this many samples and PyTorch's outputs as <stem>.input.npy, <stem>.features.npy, <stem>.<kind>.npy",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the reference input")
    args = parser.parse_args(argv)

    if args.output_kind == "embedding" and not args.class_embeddings:
        parser.error("--output-kind embedding needs --class-embeddings")

    torch.manual_seed(args.seed)
    model = load_factory(args.model)(**json.loads(args.model_kwargs))
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, args.checkpoint_key)
    model.eval()
    tapped = Tapped(model, args.feature_module, args.output_index).eval()

    out_name = args.output_kind  # "logits" or "embedding"
    expected = (3, args.frames, args.joints, args.persons)
    sample_shape = parse_shape(args.input_shape) if args.input_shape else expected
    # A batch of 3 tells per-person features (3*M rows) from averaged ones (3 rows).
    probe = torch.zeros(3, *sample_shape)
    probe_out, probe_features = probe_model(tapped, probe, expected)
    if tuple(sample_shape) != expected:
        print(
            f"note: the graph takes ({', '.join(['N', *map(str, sample_shape)])}); Skeleton-Cache's ONNX adapter feeds "
            f"(N, 3, T, V, M) = (N, {', '.join(map(str, expected))}) and will refuse it. Wrap the model so that forward "
            "builds its input from (N, 3, T, V, M) (README: models with derived input streams).",
            file=sys.stderr,
        )
    if probe_out.dim() != 2:
        raise SystemExit(f"class output has shape {tuple(probe_out.shape)}; expected (N, K) or (N, D)")
    if probe_features.dim() != 4:
        raise SystemExit(f"feature module output has shape {tuple(probe_features.shape)}; expected (N*M, C, T, V) or (N, C, T, V)")
    if probe_features.size(0) == 3 * args.persons:
        persons = "separate"
    elif probe_features.size(0) == 3:
        persons = "averaged"
    else:
        raise SystemExit(f"feature rows {probe_features.size(0)} fit neither N*M = {3 * args.persons} nor N = 3")
    if probe_features.size(3) != args.joints:
        raise SystemExit(f"features {tuple(probe_features.shape)}: last axis is not the {args.joints} joints")

    out_path = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    # Exported and checked under a temporary name: the model appears only once onnx has checked it.
    tmp_model = f"{os.path.splitext(out_path)[0]}.tmp-{os.getpid()}.onnx"
    try:
        torch.onnx.export(
            tapped,
            probe,
            tmp_model,
            opset_version=args.opset,
            input_names=["x"],
            output_names=[out_name, "features"],
            dynamic_axes={"x": {0: "N"}, out_name: {0: "N"}, "features": {0: "NM" if persons == "separate" else "N"}},
            do_constant_folding=True,
        )
        onnx.checker.check_model(onnx.load(tmp_model))
        os.replace(tmp_model, out_path)
    finally:
        if os.path.exists(tmp_model):
            os.remove(tmp_model)

    output = {"kind": "logits", "name": out_name, "classes": int(probe_out.size(1))}
    if args.output_kind == "embedding":
        rel = os.path.relpath(os.path.abspath(args.class_embeddings), os.path.dirname(out_path))
        head = {"metric": "cosine", "temperature": args.temperature} if args.head == "cosine" else {"metric": "dot"}
        output = {"kind": "embedding", "name": out_name, "classEmbeddings": rel, "head": head}
    preprocessing = {
        key: value
        for key, value in (
            ("bodySelection", args.body_selection),
            ("temporal", args.temporal),
            ("center", args.center),
            ("align", args.align),
        )
        if value is not None
    }
    config = {
        "format": CONFIG_FORMAT,
        **({"name": args.name} if args.name else {}),
        "input": {"name": "x", "frames": args.frames, "joints": args.joints, "persons": args.persons},
        "features": {"name": "features", "persons": persons},
        "output": output,
        **({"preprocessing": preprocessing} if preprocessing else {}),
        "source": {
            "exporter": "tooling/export/export_onnx.py",
            "model": args.model,
            "featureModule": args.feature_module,
            "opset": args.opset,
            "torch": torch.__version__,
            "command": "/usr/bin/python3 tooling/export/export_onnx.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        },
    }
    stem = os.path.splitext(out_path)[0]
    write_text(stem + ".backbone.json", json.dumps(config, indent=2) + "\n")

    if args.reference > 0:
        generator = torch.Generator().manual_seed(args.seed)
        x = torch.randn(args.reference, *sample_shape, generator=generator)
        with torch.no_grad():
            out, features = tapped(x)
        if persons == "separate":
            n = x.size(0)
            features = features.view(n, args.persons, *features.shape[1:]).mean(dim=1)
        # Named after the model, so two models in one folder keep their own references.
        save_npy(stem + ".input.npy", x)
        save_npy(stem + ".features.npy", features)
        save_npy(stem + f".{out_name}.npy", out)
    print(f"wrote {out_path} and {stem}.backbone.json (features {persons}, {args.output_kind} {tuple(probe_out.shape[1:])})")


def parse_shape(text):
    try:
        dims = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise SystemExit(f"--input-shape {text!r}: expected comma-separated integers, e.g. 3,64,25,2")
    if not dims or any(d < 1 for d in dims):
        raise SystemExit(f"--input-shape {text!r}: every dimension must be positive")
    return dims


def probe_model(tapped, probe, expected):
    """Runs the model once on the test input; a failure names the shapes involved instead of a raw traceback."""
    try:
        with torch.no_grad():
            return tapped(probe)
    except SystemExit:
        raise
    except Exception as error:  # the model's own error, e.g. "not enough values to unpack"
        shape = ", ".join(map(str, probe.shape))
        raise SystemExit(
            f"the model failed on the test input of shape ({shape}): {type(error).__name__}: {error}\n"
            f"Skeleton-Cache feeds skeletons as (N, 3, T, V, M) = (N, {', '.join(map(str, expected))}) "
            "(--frames, --joints, --persons). A model that takes another input - e.g. EfficientGCN's joint / "
            "velocity / bone streams (N, I, C, T, V, M) - needs a wrapper whose forward builds that input from "
            "(N, 3, T, V, M): see tooling/export/streams.py and the README (models with derived input streams). "
            "--input-shape probes the model with another test input."
        ) from error


def write_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def save_npy(path, tensor):
    tmp = path + ".tmp.npy"
    np.save(tmp, np.ascontiguousarray(tensor.detach().numpy().astype("<f4")))
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
