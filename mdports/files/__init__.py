"""Files: documents on disk and in git revisions, and the project's configuration."""
