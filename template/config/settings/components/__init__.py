"""Settings of optional integrations, one module each, imported by the settings modules."""
