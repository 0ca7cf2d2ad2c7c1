"""Benchmark scenarios. Each has a name, a title, targets, api() and baseline() returning the response bytes."""

from .inbox import Inbox

SCENARIOS = {cls.name: cls for cls in [Inbox]}
