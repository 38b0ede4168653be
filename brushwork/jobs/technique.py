"""A technique is one object: everything the jobs, the runner, the Python API, the studio, the batch runner and
the CLI know of "transfer" or "dream" — its settings class and presets, its input roles, the input whose shape
the output takes, what a level is called, which knobs the studio shows first, how its inputs are checked
against its settings before any work, how its levels are planned, and its engine entry point.

This module needs no torch: the entry point (``module:function``) is imported when a job first runs. Adding a
technique is one entry in ``TECHNIQUES`` plus one ``run(images, settings, context)`` in the engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from ..errors import BrushworkError
from ..settings import DreamSettings, InversionSettings, Settings, TextureSettings, TransferSettings
from ..settings.fast import PRESETS as FAST_PRESETS
from ..settings.fast import FastSettings
from ..settings.transfer import PRESETS as TRANSFER_PRESETS
from ..settings.visualize import CLASS_DEFAULTS, ChannelSettings, ClassSettings
from .eta import Eta, vgg19_work

Size = tuple[int, int]  # (height, width)
Level = tuple[Size, int]  # a level's (height, width) and its iteration count


def given(value: Any) -> TypeGuard[Any]:
    """Whether an input role has anything in it (not None, not an empty list or mapping)."""
    return value is not None and not (isinstance(value, (list, tuple, dict)) and not value)


@dataclass(frozen=True)
class Role:
    """One kind of input image a technique takes."""

    name: str
    help: str
    many: bool = False  # a list of images
    keyed: bool = False  # a mapping from a style index to an image (masks)
    required: bool = True
    offered: bool = True  # a picker in the studio's form (masks and a start image are not, yet)


@dataclass(frozen=True)
class Technique:
    """What one technique is; the base checks its inputs' roles, a subclass adds its own rules."""

    name: str
    settings: type[Settings]
    presets: Mapping[str, Settings]
    roles: tuple[Role, ...]
    entry: str  # "module:function", the engine's run(images, settings, context) -> picture
    level_kind: str = "level"  # what a level of its progress is called ("level", "octave", "layer")
    photo_role: str | None = None  # the input whose shape the output takes (none: the settings give it)
    knobs: tuple[str, ...] = ()  # the settings the studio shows first; none: the studio does not offer it

    @property
    def in_studio(self) -> bool:
        return bool(self.knobs)

    def validate(self, settings: Settings, inputs: Mapping[str, Any]) -> None:
        """Refuse, before any work, settings of another class, an unknown or missing input, and settings
        that do not fit the inputs given. ``inputs`` maps a role to its image(s): paths, tensors or ids."""
        if not isinstance(settings, self.settings):
            raise BrushworkError(f"a {self.name} job needs {self.settings.__name__}")
        known = [role.name for role in self.roles]
        unknown = sorted(set(inputs) - set(known))
        if unknown:
            listed = ", ".join(known) if known else "none"
            raise BrushworkError(f"unknown {self.name} input {unknown[0]!r}; inputs are: {listed}")
        for role in self.roles:
            value = inputs.get(role.name)
            if not given(value):
                if role.required:
                    raise BrushworkError(f"a {self.name} job needs {role.name} ({role.help})")
                continue
            if role.many and not isinstance(value, (list, tuple)):
                raise BrushworkError(f"{self.name} input {role.name!r} must be a list of files")
            if role.keyed and not isinstance(value, Mapping):
                raise BrushworkError(f"{self.name} input {role.name!r} must map style indices to files")
        settings.validate()
        self.check_inputs(settings, inputs)

    def check_inputs(self, settings: Any, inputs: Mapping[str, Any]) -> None:
        """The technique's rules between its settings and which inputs it has (not their sizes)."""

    def check(self, settings: Any, sizes: Mapping[str, Any]) -> None:
        """The rules that need the inputs' sizes (role -> (height, width), or a list of them), in the
        engine's words, before anything is queued or loaded."""

    def plan(self, settings: Any, photo_size: Size | None) -> list[Level]:
        """Each level's size and iteration count, before the run (for an ETA); ``photo_size`` is the
        size of the ``photo_role`` input (none where the settings give the output's size)."""
        return []

    def level_works(self, settings: Any, plan: Sequence[Level]) -> list[float]:
        """Each level's relative work per pixel in an iteration (for the ETA, ``jobs.eta``): the same at every
        level unless the technique knows better."""
        return [1.0] * len(plan)

    def eta(self, settings: Any, photo_size: Size | None) -> Eta | None:
        """The ETA of a run of these settings on a photo of ``photo_size`` (none where nothing is planned)."""
        plan = self.plan(settings, photo_size)
        return Eta(plan, self.level_works(settings, plan)) if plan else None

    def run(self, images: Mapping[str, Any], settings: Settings, context: Any) -> Any:
        """Run the engine's entry point on loaded ``images`` (role -> tensor, list or mapping of tensors)."""
        module, function = self.entry.split(":")
        entry: Callable[..., Any] = getattr(importlib.import_module(module), function)
        return entry(images, settings, context)


def style_index(key: Any) -> int:
    try:
        return int(key)
    except (TypeError, ValueError):
        raise BrushworkError(f"mask key {key!r} is not a style index") from None


@dataclass(frozen=True)
class Painting(Technique):
    """A photo painted in one or more styles, a mask per style where given (transfer, fast)."""

    def check_inputs(self, settings: Any, inputs: Mapping[str, Any]) -> None:
        styles = list(inputs["styles"])
        settings.check_styles(len(styles))
        for key in inputs.get("masks") or {}:
            index = style_index(key)
            if not 0 <= index < len(styles):
                raise BrushworkError(
                    f"mask for style {index}, but there are {len(styles)} style images (0..{len(styles) - 1})"
                )

    def check(self, settings: Any, sizes: Mapping[str, Any]) -> None:
        settings.check_styles(len(sizes["styles"]))
        settings.check_geometry(sizes["content"], list(sizes["styles"]))


@dataclass(frozen=True)
class Transfer(Painting):
    def check_inputs(self, settings: TransferSettings, inputs: Mapping[str, Any]) -> None:
        super().check_inputs(settings, inputs)
        if (settings.init == "image") != (inputs.get("init") is not None):
            raise BrushworkError("init = image needs an init input, and an init input needs init = image")

    def plan(self, settings: TransferSettings, photo_size: Size | None) -> list[Level]:
        if photo_size is None:
            return []
        return list(zip(settings.level_sizes(*photo_size), settings.level_iterations(), strict=True))

    def level_works(self, settings: TransferSettings, plan: Sequence[Level]) -> list[float]:
        # A detail level runs the network to a shallower layer: per pixel, about half the work.
        levels = settings.level_settings()
        return [vgg19_work([level.content_layer, *level.style_layers]) for _, level in zip(plan, levels, strict=True)]


@dataclass(frozen=True)
class Fast(Painting):
    def plan(self, settings: FastSettings, photo_size: Size | None) -> list[Level]:
        return [] if photo_size is None else [(settings.output_size(photo_size), 1)]


@dataclass(frozen=True)
class Texture(Technique):
    def plan(self, settings: TextureSettings, photo_size: Size | None) -> list[Level]:
        return list(zip(settings.level_sizes(), settings.iterations, strict=True))

    def level_works(self, settings: TextureSettings, plan: Sequence[Level]) -> list[float]:
        return [vgg19_work(settings.style_layers)] * len(plan)


@dataclass(frozen=True)
class Dream(Technique):
    def check(self, settings: DreamSettings, sizes: Mapping[str, Any]) -> None:
        settings.check_photo(sizes["image"])

    def plan(self, settings: DreamSettings, photo_size: Size | None) -> list[Level]:
        if photo_size is None:
            return []
        return [(size, settings.iterations) for size in settings.octave_sizes(*photo_size)]


@dataclass(frozen=True)
class Visualization(Technique):
    def plan(self, settings: ChannelSettings | ClassSettings, photo_size: Size | None) -> list[Level]:
        return [((settings.size, settings.size), settings.iterations)]


def _roles(*roles: Role) -> tuple[Role, ...]:
    return roles


# A photo, its paintings, and a mask per painting where given: what transfer and fast paint from.
PAINTING_ROLES = _roles(
    Role("content", "the photo"),
    Role("styles", "one or more paintings", many=True),
    Role(
        "masks",
        "style index -> mask image: the white region takes that style alone",
        keyed=True,
        required=False,
        offered=False,
    ),
)

TECHNIQUES: dict[str, Technique] = {
    technique.name: technique
    for technique in (
        Transfer(
            "transfer",
            TransferSettings,
            TRANSFER_PRESETS,
            (*PAINTING_ROLES, Role("init", "the starting image (with init = image)", required=False, offered=False)),
            "brushwork.techniques.transfer:run",
            photo_role="content",
            knobs=("size", "style_weight", "style_loss", "preserve_colors", "seed"),
        ),
        Fast(
            "fast",
            FastSettings,
            FAST_PRESETS,
            PAINTING_ROLES,
            "brushwork.techniques.fast:run",
            level_kind="pass",
            photo_role="content",
            knobs=("size", "transform", "strength", "preserve_colors"),
        ),
        Texture(
            "texture",
            TextureSettings,
            {"default": TextureSettings()},
            _roles(Role("style", "the painting or texture photo")),
            "brushwork.techniques.texture:run",
            knobs=("size", "tileable", "seed"),
        ),
        Technique(
            "invert",
            InversionSettings,
            {"default": InversionSettings()},
            _roles(Role("image", "the photo to reconstruct")),
            "brushwork.techniques.invert:run",
            level_kind="layer",
        ),
        Dream(
            "dream",
            DreamSettings,
            {"default": DreamSettings()},
            _roles(
                Role("image", "the photo to dream on"),
                Role("guide", "amplify what matches this image's features instead", required=False),
            ),
            "brushwork.techniques.dream:run",
            level_kind="octave",
            photo_role="image",
            knobs=("layer", "size", "octaves", "iterations", "step", "seed"),
        ),
        Visualization(
            "visualize-channel",
            ChannelSettings,
            {"default": ChannelSettings()},
            (),
            "brushwork.techniques.visualize:run_channel",
            knobs=("layer", "channel", "network", "size", "batch", "iterations", "seed"),
        ),
        Visualization(
            "visualize-class",
            ClassSettings,
            {"default": CLASS_DEFAULTS},
            (),
            "brushwork.techniques.visualize:run_class",
            knobs=("class_name", "size", "batch", "iterations", "seed"),
        ),
    )
}


def technique(name: str) -> Technique:
    if name not in TECHNIQUES:
        raise BrushworkError(f"unknown technique {name!r}; choose one of {', '.join(TECHNIQUES)}")
    return TECHNIQUES[name]


def studio_techniques() -> Sequence[Technique]:
    return [kind for kind in TECHNIQUES.values() if kind.in_studio]
