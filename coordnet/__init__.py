"""coordnet: find coordinated amplification in social-media data.

The pipeline is a chain of pure stages passing plain data:
read (:func:`read_actions`) → graphs (:func:`build_graphs`) → outputs.
"""

from ._version import __version__
from . import datasets, plot
from .config import ACTION_TYPES, Config
from .errors import (ConfigError, CoordnetError, CoordnetWarning, InputError,
                     MissingDependencyError, OutputError)
from .graphs import (CoAction, Graphs, account_table, amplification_edges, build_graphs, coaction,
                     to_igraph, to_networkx)
from .io import ReadResult, from_dataframe, read_actions
from .pipeline import AnalyzeRun, GraphRun, load_result, run_analyze, run_graph
from .analyze import Result, analyze
from .simulate import GroupSpec, SimParams, Simulation, simulate, write_simulation

__all__ = [
    "__version__", "datasets", "plot", "ACTION_TYPES", "Config",
    "CoordnetError", "InputError", "ConfigError", "MissingDependencyError", "OutputError",
    "CoordnetWarning",
    "ReadResult", "read_actions", "from_dataframe",
    "CoAction", "Graphs", "account_table", "amplification_edges", "build_graphs", "coaction",
    "to_igraph", "to_networkx",
    "GraphRun", "run_graph", "AnalyzeRun", "run_analyze", "load_result", "Result", "analyze",
    "GroupSpec", "SimParams", "Simulation", "simulate", "write_simulation",
]
