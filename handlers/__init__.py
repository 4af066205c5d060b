"""Slack listeners: the Slack edge of each area, each module exposing ``register(app, registry)``.

``bot/app.py`` lists them and registers them on the app it builds; nothing here is imported by a
process that does not talk to Slack (the scheduler).
"""
