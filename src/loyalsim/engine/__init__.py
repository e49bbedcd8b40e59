"""The simulation engine: world state, daily behaviour, calendar processes."""
