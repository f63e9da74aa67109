"""Judging: reading answers, judging one answer, metrics, scoring a file, reports."""
