"""Completion figures toward the 80% target that schools must reach."""
