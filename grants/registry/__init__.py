"""The public registry of social-economy organisations: what an organisation's owner chooses to publish, searched
by anyone without signing in."""
