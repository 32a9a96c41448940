"""The crash cascade: scenarios, the six steps, fire sales, default clearing, Monte Carlo.

>>> from boombust.data import load_dataset
>>> from boombust.stress import load_scenario, run_stress
>>> ds, sc = load_dataset("ai-2025"), load_scenario("ai-bust")  # doctest: +SKIP
>>> res = run_stress(ds, sc, paths=1000, seed=1)              # doctest: +SKIP
>>> print(res.summary())                                      # doctest: +SKIP
"""

from boombust.stress.engine import CascadeConvergenceWarning, cascade, run_stress
from boombust.stress.executor import DaskExecutor, PoolExecutor, SerialExecutor, make_executor
from boombust.stress.firesale import GLTMeasures, glt_measures
from boombust.stress.grid import SensitivityGrid, parse_vary, run_grid
from boombust.stress.kernels import COMPACT, Kernels
from boombust.stress.network import Network, build_network
from boombust.stress.results import StressResult, distribution_stats
from boombust.stress.scenario import PARAMETERS, Scenario, bundled_scenarios, load_scenario
from boombust.stress.steps import STEP_NAMES

__all__ = [
    "COMPACT",
    "PARAMETERS",
    "STEP_NAMES",
    "CascadeConvergenceWarning",
    "DaskExecutor",
    "GLTMeasures",
    "Kernels",
    "Network",
    "PoolExecutor",
    "Scenario",
    "SensitivityGrid",
    "SerialExecutor",
    "StressResult",
    "build_network",
    "bundled_scenarios",
    "cascade",
    "distribution_stats",
    "glt_measures",
    "load_scenario",
    "make_executor",
    "parse_vary",
    "run_grid",
    "run_stress",
]
