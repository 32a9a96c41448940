"""The sourced dataset: schema, loaders, validation, bundled datasets."""
