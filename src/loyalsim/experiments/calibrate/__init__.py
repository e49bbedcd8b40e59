"""Calibration: fit buy-till-you-die and spend models to a transaction log.

The fitted parameters become the ``population`` section of a scenario, so a simulated population
behaves like the customers in the log.
"""
