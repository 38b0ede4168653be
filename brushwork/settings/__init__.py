"""Settings of every technique, declared once, importable without torch (see ``schema``)."""

from .dream import DreamSettings
from .invert import InversionSettings
from .schema import SCHEMA_VERSION, SettingError, Settings, setting
from .texture import TextureSettings
from .transfer import PRESETS, TransferSettings
from .visualize import FeatureVisualizationSettings

__all__ = [
    "PRESETS",
    "SCHEMA_VERSION",
    "DreamSettings",
    "FeatureVisualizationSettings",
    "InversionSettings",
    "SettingError",
    "Settings",
    "TextureSettings",
    "TransferSettings",
    "setting",
]
