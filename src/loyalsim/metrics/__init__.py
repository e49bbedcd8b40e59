"""Metrics: the KPI catalogue, KPIs of a replication, IFRS 15 accounting, run results."""
