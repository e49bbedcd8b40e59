"""Design search with Optuna: one module per concept.

``space`` (scenario parameters <-> Optuna parameters), ``objective`` (one trial: simulate a
design on fixed replication seeds), ``storage`` (where the study lives), ``study`` (create,
resume, run workers), ``pareto`` (front, knee, hypervolume), ``outputs`` (CSV and plots) and
``recommend`` (re-evaluate the chosen designs with confidence intervals).
"""
