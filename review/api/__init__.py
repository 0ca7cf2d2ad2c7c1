"""REST API of expert review, under /api/v1/review/: province staff run rounds (settings, rubric, panels,
assignment, results, proposals); experts see only their own assignments and sheets (under /my/).

Thin: validate the input, call a service, serialise. Every read goes through `review.queries` (staff scope or
the expert's own rows), so another expert's sheet is never in reach of an expert's request.
"""
