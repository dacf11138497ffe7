"""Utilities for people who write skxfer estimators and plugins."""
