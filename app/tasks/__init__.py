"""Background tasks: long console operations (big code batches, big exports) run by a worker with progress."""
