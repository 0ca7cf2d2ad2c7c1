"""HTML pages of expert review; thin: parse a form, call a service, render.

Split by audience: rounds (staff: round list, settings, rubric, panels, start/close), assignments (staff),
results (staff: board, ranking, one application's sheets, proposal), expert (the expert's own pages).
"""
