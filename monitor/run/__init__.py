"""What drives the pipeline: the runner of a pass, the daemon, backfill and import."""
