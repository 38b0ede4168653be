"""Techniques: each builds loss terms and hands them to the shared optimisation loop."""
