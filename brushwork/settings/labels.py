"""What a settings form calls each setting, in plain words, and the groups it shows them in.

The command line has its flags (``--tv-weight``); a form shows "Smoothness" under "Look", with the flag only
in a tooltip. Keyed by the setting's name, which means the same in every technique that has it.
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    "size": "Size (long edge, px)",
    "max_size": "Largest size allowed (px)",
    "content_layer": "Layer that keeps the photo",
    "content_weight": "Photo weight",
    "style_layers": "Layers that carry the style",
    "style_layer_weights": "Weight of each style layer",
    "style_weight": "Style weight",
    "style_loss": "Style loss",
    "tv_weight": "Smoothness",
    "pooling": "Pooling",
    "init": "Start from",
    "optimizer": "Optimiser",
    "lr": "Learning rate",
    "scales": "Scales (fractions of the size)",
    "iterations": "Iterations at each scale",
    "content_detail": "Add back the photo's fine detail",
    "detail_depth": "Network depth at full size",
    "style_scale": "Style scale",
    "style_blend": "Blend of the paintings",
    "preserve_colors": "Keep the photo's colours",
    "max_memory": "Memory limit (GB)",
    "tile": "Tile size (px)",
    "precision": "Precision",
    "seed": "Seed",
    "transform": "How the style is applied",
    "strength": "Strength",
    "detail": "Photo detail laid over",
    "style_size": "Source size (long edge, px)",
    "tileable": "Tileable",
    "network": "Network",
    "layer": "Layer",
    "channels": "Channels",
    "octaves": "Octaves",
    "octave_scale": "Size ratio between octaves",
    "step": "Step",
    "jitter": "Jitter (px)",
    "batch": "Pictures side by side",
    "decay": "Spectrum fall-off",
    "channel": "Channel",
    "class_name": "ImageNet class",
}

# The groups of the settings a form keeps out of the way ("More settings"), in the order shown.
GROUPS: dict[str, tuple[str, ...]] = {
    "Look": (
        "style_scale",
        "style_blend",
        "content_weight",
        "tv_weight",
        "content_detail",
        "strength",
        "detail",
        "style_size",
        "jitter",
        "decay",
        "channels",
        "octave_scale",
    ),
    "Schedule": ("init", "scales", "iterations", "optimizer", "lr", "step"),
    "Network": ("network", "layer", "content_layer", "style_layers", "style_layer_weights", "detail_depth", "pooling"),
    "Machine": ("precision", "max_memory", "tile", "max_size"),
}
