"""The build pipeline as plain functions over shards; flows/ orchestrates them with Prefect."""
