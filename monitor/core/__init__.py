"""The pure core: text in, frozen dataclasses out. Imports nothing else of policywatch but errors."""
