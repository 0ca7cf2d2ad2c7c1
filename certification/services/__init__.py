"""Every write of the recognition workflow. Split by subject: batches, applications, attachments."""
