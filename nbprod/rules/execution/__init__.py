"""NBP1xx: execution order and hidden state (and NBP000, cells that do not parse)."""
