"""Pieces shared by two or more MMVRL methods."""
