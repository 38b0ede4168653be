"""The one optimisation loop that every image-optimising technique shares."""

from .loop import Interrupted, NonFiniteLoss, OptimizationResult, Progress, optimize

__all__ = ["Interrupted", "NonFiniteLoss", "OptimizationResult", "Progress", "optimize"]
