"""Helpers shared by the task handlers; shipped inside the same Lambda asset."""
