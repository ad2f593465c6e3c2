"""Reusable test support for policywatch: a loopback HTTP site, polling helpers and policy pages."""
