"""Observers: the block observer (inclusions, block records) and, later, node resource monitors."""
