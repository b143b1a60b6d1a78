"""NBP2xx: data — version your data, never overwrite raw datasets, verify the data."""
