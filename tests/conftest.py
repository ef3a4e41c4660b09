"""Shared test settings.

Property-based tests explore new random examples on every local run (failures found that way
are turned into plain regression tests). Under CI (``CI`` set in the environment) they are
derandomized, so a submission's result does not depend on the luck of the draw.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
