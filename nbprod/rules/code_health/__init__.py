"""NBP4xx: code health — silent failures, untested custom logic, installs, secrets."""
