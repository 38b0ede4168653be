"""Results tables of the lab as Markdown (for people) next to the JSON (for programs)."""

from __future__ import annotations


def _seconds(value: float | None) -> str:
    if value is None:
        return "not reached"
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


def classifier_table(summaries: list[dict], dataset: str, n_test: int) -> str:
    lines = [
        f"# Fashion-MNIST classifiers ({dataset}, {n_test} test images)",
        "",
        "| classifier | seed 004 | ours | ≥ seed | training time | time to seed figure | images/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        lines.append(
            f"| {s['title']} | {s['seed_accuracy']:.3f} | {s['accuracy']:.4f} | {'yes' if s['reached_seed'] else 'no'} "
            f"| {_seconds(s['seconds'])} | {_seconds(s['seconds_to_seed'])} | {s['images_per_second']:.0f} |"
        )
    notes = [f"- {s['title']}: {s['notes']}" for s in summaries if s.get("notes")]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def autoencoder_table(rows: list[dict], reference_share: float) -> str:
    lines = [
        "# Autoencoders (seed 000)",
        "",
        "| model | test MSE | Nyquist energy share | × the originals' |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['title']} | {r['test_mse']:.5f} | {r['nyquist_share']:.5f} "
            f"| {r['nyquist_share'] / reference_share:.2f} |"
        )
    lines += [
        "",
        (
            f"The test digits themselves: Nyquist energy share {reference_share:.5f}. A checkerboard "
            "(period-2) artefact shows as a share above the originals'."
        ),
    ]
    return "\n".join(lines) + "\n"
