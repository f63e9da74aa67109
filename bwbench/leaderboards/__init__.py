"""Leaderboards: results.json files arranged into tables, rendered as Markdown and plotted."""
