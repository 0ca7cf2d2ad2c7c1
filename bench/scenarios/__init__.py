"""Benchmark scenarios. Each has a name, a title, targets, api() and baseline() returning the response bytes.

`data_set` names the data the scenario reads ("notifications" when absent, or "applications"): the runner
generates only what the selected scenarios need. The concurrent-submission benchmark is not a scenario of
this kind (no baseline; it runs gunicorn in its own database): bench/submissions.py, run as "submissions".
"""

from .applications import ApplicationsCity, ApplicationsProvince
from .inbox import Inbox

SCENARIOS = {cls.name: cls for cls in [Inbox, ApplicationsProvince, ApplicationsCity]}
