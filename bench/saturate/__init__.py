"""`chainmark saturate`: find the highest rate a target sustains under the user's SLOs, step by step.

- search.py: the stepping logic (pure): geometric steps, then bisection to within a tolerance
- slo.py: `--slo` expressions: parse, check the metric, evaluate on a step's round summary
- steps.py: the engine glue: every step a warm-up and a measured round of one run, planned and signed
  before its own clock
- run.py: the run, then saturation.json (bench.results.saturation; the knee by bench.results.knee) and
  its report (bench.report.saturation_report)
- acceptance.py: the acceptance suite (stress, spike, stability) derived from a saturation's maximum
"""
