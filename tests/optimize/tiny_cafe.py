"""The tiny search scenario shared by the optimize tests (importable: conftest is not)."""

TINY = """
name: Tiny cafe
seed: 3
horizon: {weeks: 4}
replications: 1
population:
  size: 300
  segments:
    - name: regulars
      share: 0.6
      purchase: {r: 3.0, alpha: 1.5, time_unit: week}
      dropout: {a: 1.0, b: 30.0}
      spend: {p: 6.0, q: 5.0, gamma: 3.0}
      engaged_share: 0.5
    - name: occasionals
      share: 0.4
      purchase: {r: 1.0, alpha: 2.0, time_unit: week}
      dropout: {a: 1.0, b: 10.0}
      spend: {p: 6.0, q: 5.0, gamma: 3.0}
      engaged_share: 0.3
program:
  enrolment: {signup_bonus: 1}
  stamps: {kind: visit_earning, points_per_visit: 1, min_spend: 2.0}
  rewards:
    catalogue:
      - {name: free drink, points: 9, cost: 1.10, value: 4.50}
  expiry: {policy: inactivity, days: 90}
economics:
  gross_margin: 0.65
search:
  parameters:
    program.rewards.catalogue[0].points: {low: 3, high: 12}
    program.stamps.min_spend: {low: 0.0, high: 4.0, step: 1.0}
    program.expiry:
      - {policy: none}
      - {policy: inactivity, days: 14}
      - {policy: inactivity, days: 90}
  objectives:
    - {kpi: incremental_profit, direction: maximize}
    - {kpi: cost_to_revenue, direction: minimize}
  constraints:
    - cost_to_revenue <= 0.03
  replications: 1
  recommend_replications: 3
"""
