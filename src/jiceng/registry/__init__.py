"""The registry of published packages (issue 13): catalogue, checks, seal, history, static site,
and the Dask path that runs them on many packages.

    from jiceng.registry import read_catalogue, build, read_criteria, cluster, indicators_many

Nothing below this layer imports it: it uses the validator, the loader, the indicators and the
reviewers' migrations through their public functions.
"""
from .build import BuildResult, build, check_all, read_history
from .catalogue import CatalogueError, Entry, entries_from_paths, read_catalogue
from .check import check_entry, options
from .cluster import cluster, combined_table, indicators_many
from .seal import SealError, read_criteria

__all__ = ["BuildResult", "build", "check_all", "read_history", "CatalogueError", "Entry", "entries_from_paths",
           "read_catalogue", "check_entry", "options", "cluster", "combined_table", "indicators_many",
           "SealError", "read_criteria"]
