"""NBP3xx: experiments and models — track, seed, baseline, evaluate, no leakage."""
