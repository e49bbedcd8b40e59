"""What we do not know about customers: parameter worlds drawn from priors, global
sensitivity, robust objectives and the value of information (docs/uncertainty.md)."""
