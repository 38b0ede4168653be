"""The lab's one training loop and its checkpoints, tested directly (not through the CLI)."""

import numpy as np
import pytest
import torch

from brushwork.errors import BrushworkError
from brushwork.lab import runs
from brushwork.lab.autoencoding import AutoencoderExperiment, train_autoencoder
from brushwork.lab.checkpoint import read_record
from brushwork.lab.classifiers import images_tensor
from brushwork.lab.settings import AutoencoderSettings
from brushwork.lab.training import TrainingInterrupted, fit

from .test_gan_aae import tiny_dataset

SETTINGS = AutoencoderSettings(epochs=2, batch_size=16, seed=3)


def _weights(experiment) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in experiment.model.state_dict().items()}


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    data = tiny_dataset()
    straight = train_autoencoder("mlp", data, SETTINGS, checkpoint=tmp_path / "straight.safetensors")
    first = train_autoencoder("mlp", data, SETTINGS.replace(epochs=1), checkpoint=tmp_path / "resumed.safetensors")
    assert [h["epoch"] for h in first.record.history] == [1]
    resumed = train_autoencoder("mlp", data, SETTINGS, checkpoint=tmp_path / "resumed.safetensors", resume=True)
    assert [h["epoch"] for h in resumed.record.history] == [1, 2]
    a, b = _weights(straight.experiment), _weights(resumed.experiment)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed.record.history[-1]["test_mse"] == straight.record.history[-1]["test_mse"]


def test_a_checkpoint_records_its_settings_and_other_settings_are_refused(tmp_path):
    checkpoint = tmp_path / "mlp.safetensors"
    train_autoencoder("mlp", tiny_dataset(), SETTINGS.replace(epochs=1), checkpoint=checkpoint)
    assert read_record(checkpoint)["settings"] == SETTINGS.replace(epochs=1).to_dict()
    with pytest.raises(BrushworkError) as error:
        train_autoencoder("mlp", tiny_dataset(), SETTINGS.replace(batch_size=32), checkpoint=checkpoint, resume=True)
    assert str(error.value) == (
        f"{checkpoint}: was trained with batch_size 16, not 32; resume with the same settings (only the epochs may "
        "change), or start afresh without --resume"
    )
    assert error.value.for_cli().startswith(f"{checkpoint}: was trained with --batch-size 16, not 32;")


def test_ctrl_c_keeps_the_finished_epochs(tmp_path):
    data = tiny_dataset()
    experiment = AutoencoderExperiment("mlp", images_tensor(data.train_images), images_tensor(data.test_images), 1e-3)
    steps = []

    def interrupt_in_the_second_epoch(progress):
        steps.append(progress)
        if progress.epoch == 1 and progress.step == 2:
            raise KeyboardInterrupt

    checkpoint = tmp_path / "ae.safetensors"
    with pytest.raises(TrainingInterrupted) as stop:
        fit(
            experiment,
            len(data.train_images),
            SETTINGS.replace(epochs=5),
            checkpoint=checkpoint,
            on_step=interrupt_in_the_second_epoch,
        )
    assert stop.value.record.epochs_done == 1 and stop.value.checkpoint == checkpoint
    assert read_record(checkpoint)["epochs_done"] == 1


def test_the_lab_api_writes_its_reports_and_refuses_to_overwrite(tmp_path):
    report = runs.autoencoders(["mlp"], tmp_path, SETTINGS.replace(epochs=1), dataset=tiny_dataset())
    assert [row["model"] for row in report.rows] == ["mlp"] and 0 < report.rows[0]["test_mse"]
    assert 0 < report.originals_nyquist_share < 1 and "| MLP (784-32-784) |" in report.table
    for name in ("mlp.safetensors", "reconstructions.png", "results.md", "results.json", "test_mse.png"):
        assert (tmp_path / name).is_file()
    before = (tmp_path / "results.json").read_bytes()
    with pytest.raises(BrushworkError, match="already exists; pass --overwrite to replace it"):
        runs.autoencoders(["mlp"], tmp_path, SETTINGS.replace(epochs=1), dataset=tiny_dataset())
    assert (tmp_path / "results.json").read_bytes() == before


def test_the_lab_api_classifies(tmp_path):
    report = runs.classify(["svm"], tmp_path, dataset=tiny_dataset())
    assert report.summaries[0]["classifier"] == "svm" and report.results[0].accuracy == 1.0
    assert np.array_equal(report.results[0].predictions, tiny_dataset().test_labels)
