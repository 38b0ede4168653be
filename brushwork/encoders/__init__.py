"""Pretrained networks that turn images into feature maps."""

from .vgg import VGG19_LAYERS, VGG19Encoder, load_vgg19, validate_layers

__all__ = ["VGG19_LAYERS", "VGG19Encoder", "load_vgg19", "validate_layers"]
