"""NBP5xx: notebook documentation and hygiene."""
