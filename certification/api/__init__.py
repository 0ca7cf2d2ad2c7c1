"""REST API of the recognition workflow (batches, applications, revisions, attachments, export).

Thin: validate the input, call a service, serialise. Every read goes through `queries.*_visible_to`.
"""
