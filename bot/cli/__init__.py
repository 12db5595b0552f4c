"""The `licensebot` command line."""
