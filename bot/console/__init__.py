"""The console wing: a terminal stand-in for Slack.

``shell`` reads what a person would type and signs it into the same Bolt app Slack talks to;
``payloads`` builds the exact request bodies Slack sends; ``messenger`` prints what the app says;
``plain`` turns Block Kit and mrkdwn into readable text.
"""
