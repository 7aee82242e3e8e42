"""Render settings from quality tiers and batch rendering of frames."""
