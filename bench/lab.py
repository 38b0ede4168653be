"""Benchmark of the small-image lab: prints a table and writes bench/results/lab.json.

  .venv/bin/python bench/lab.py [--skip ae,dcgan,aae]

Every row runs the CLI in a subprocess with its default settings (wall time, peak RSS), then reads
the run's own results JSON:
  - classify --all on Fashion-MNIST: per classifier, the training time to reach seed 004's
    accuracy, the final accuracy and the training throughput (images/s);
  - the autoencoders (MNIST), the DCGAN (MNIST; Fréchet distance and confident share of its samples
    next to real digits'), and both adversarial autoencoders.
Baseline, timed in the same run because these machines are noisy: one epoch of LeNet-5 training
(forward + backward + Adam over 60 000 Fashion-MNIST images, batch 64). Times are also given as
multiples of it. Targets on the 2-core CPU: every classifier at or above its seed figure, each
within 15 minutes of training.
The run's pictures are kept under bench/results/lab/ to be looked at.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F
from measure import RESULTS, ROOT, run_measured

sys.path.insert(0, str(ROOT))

from brushwork.lab.classifiers import images_tensor
from brushwork.lab.data import load_fashion_mnist
from brushwork.lab.models import LeNet5

TARGET_SECONDS = 15 * 60
OUT = RESULTS / "lab"


def baseline_epoch() -> float:
    """Seconds for one epoch of LeNet-5 training on Fashion-MNIST (batch 64)."""
    dataset = load_fashion_mnist()
    images, labels = images_tensor(dataset.train_images), torch.as_tensor(dataset.train_labels)
    torch.manual_seed(0)
    model = LeNet5()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for index in torch.randperm(len(images)).split(64):
        loss = F.cross_entropy(model(images[index]), labels[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def lab(*args: str) -> dict:
    return run_measured([sys.executable, "-m", "brushwork", "lab", *args, "--quiet", "--overwrite"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: classify, ae, dcgan, aae")
    skip = set(filter(None, parser.parse_args().skip.split(",")))
    OUT.mkdir(parents=True, exist_ok=True)
    baseline = baseline_epoch()
    report: dict = {"baseline_lenet_epoch_s": baseline, "runs": {}}
    print(f"baseline: one LeNet-5 epoch on 60 000 images = {baseline:.2f} s")

    if "classify" not in skip:
        run = lab("classify", "--all", "-o", str(OUT / "classify"))
        rows = json.loads((OUT / "classify" / "results.json").read_text())
        report["runs"]["classify --all"] = {**run, "classifiers": rows}
        print(
            f"\nclassify --all: {run['wall_s']:.0f} s wall ({run['wall_s'] / baseline:.0f}× baseline), "
            f"peak RSS {run['peak_rss_mb']:.0f} MB"
        )
        print(
            f"{'classifier':38} {'seed':>6} {'ours':>7} {'to seed':>9} {'× base':>7} {'train':>8} {'img/s':>9} target"
        )
        for r in rows:
            to_seed = r["seconds_to_seed"]
            met = r["reached_seed"] and to_seed is not None and to_seed <= TARGET_SECONDS
            print(
                f"{r['title']:38} {r['seed_accuracy']:6.3f} {r['accuracy']:7.4f} "
                f"{'never' if to_seed is None else f'{to_seed:.0f} s':>9} "
                f"{'' if to_seed is None else f'{to_seed / baseline:.1f}':>7} {r['seconds']:7.0f}s "
                f"{r['images_per_second']:9.0f} {'met' if met else 'MISSED'}"
            )

    if "ae" not in skip:
        run = lab("autoencoder", "-o", str(OUT / "autoencoder"))
        result = json.loads((OUT / "autoencoder" / "results.json").read_text())
        report["runs"]["autoencoder"] = {**run, **{k: result[k] for k in ("models", "originals_nyquist_share")}}
        speeds = {name: history[-1]["images_per_second"] for name, history in result["history"].items()}
        report["runs"]["autoencoder"]["images_per_second"] = speeds
        print(f"\nautoencoders: {run['wall_s']:.0f} s wall for all three ({run['wall_s'] / baseline:.0f}× baseline)")
        for m in result["models"]:
            print(
                f"  {m['title']:34} test MSE {m['test_mse']:.5f}  Nyquist share {m['nyquist_share']:.5f} "
                f"({m['nyquist_share'] / result['originals_nyquist_share']:.2f}× originals')  "
                f"{speeds[m['model']]:.0f} img/s"
            )

    if "dcgan" not in skip:
        run = lab("dcgan", "-o", str(OUT / "dcgan"))
        result = json.loads((OUT / "dcgan" / "results.json").read_text())
        report["runs"]["dcgan"] = {
            **run,
            **{k: result[k] for k in ("epochs", "seconds", "generated", "real", "judge_accuracy")},
            "images_per_second": result["history"][-1]["images_per_second"],
            "frechet_by_epoch": [h["frechet_distance"] for h in result["history"]],
        }
        g, r = result["generated"], result["real"]
        print(
            f"\nDCGAN: {result['epochs']} epochs in {run['wall_s']:.0f} s wall ({run['wall_s'] / baseline:.0f}× "
            f"baseline), {report['runs']['dcgan']['images_per_second']:.0f} img/s; Fréchet distance "
            f"{g['frechet_distance']:.3f} (real digits {r['frechet_distance']:.3f}), confident share "
            f"{g['confident_share']:.3f} (real {r['confident_share']:.3f}); "
            f"judge accuracy {result['judge_accuracy']:.4f}"
        )

    if "aae" not in skip:
        for kind in ("unsupervised", "supervised"):
            flags = ["--supervised"] if kind == "supervised" else []
            run = lab("aae", "train", *flags, "-o", str(OUT / f"aae-{kind}"))
            result = json.loads((OUT / f"aae-{kind}" / "results.json").read_text())
            report["runs"][f"aae {kind}"] = {**run, "epochs": result["epochs"], "final": result["final"]}
            print(
                f"\nAAE {kind}: {result['epochs']} epochs, {run['wall_s']:.0f} s wall "
                f"({run['wall_s'] / baseline:.0f}× baseline), test reconstruction BCE "
                f"{result['final']['test_reconstruction']:.4f}, class told from the codes by a linear probe "
                f"{result['final']['code_class_accuracy']:.3f} (chance 0.1), "
                f"{result['final']['images_per_second']:.0f} img/s"
            )

    (RESULTS / "lab.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'lab.json'}; pictures under {OUT}")


if __name__ == "__main__":
    main()
