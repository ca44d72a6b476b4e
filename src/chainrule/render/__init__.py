"""Renderers: pure functions from a Document (or a Trace) to text in one format."""
