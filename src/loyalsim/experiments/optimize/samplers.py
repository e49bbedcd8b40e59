"""The sampler names ``loyalsim optimize --sampler`` accepts (no Optuna import, so the CLI can
show them in ``--help`` without loading Optuna; :func:`study.make_sampler` builds them)."""

SAMPLERS = ("nsga2", "tpe", "random", "grid")
DEFAULT_SAMPLER = "tpe"
