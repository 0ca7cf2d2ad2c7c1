"""HTML pages of the recognition workflow; thin: validate, call a service, render.

Split by subject: batches, applications (list, form, detail, decisions), revisions (diffs).
"""
