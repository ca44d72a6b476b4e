"""The worked solution as a Document: notation, closed forms, step-by-step diff."""
