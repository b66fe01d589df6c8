"""Scripts that `_migrations` entries in copier.yml run during `copier update`."""
