"""Running the portal on an office's own server: backups and restore, migrations, health checks."""
