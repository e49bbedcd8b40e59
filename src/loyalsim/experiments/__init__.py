"""Experiments on the engine: simulate, compare, optimize, calibrate."""
