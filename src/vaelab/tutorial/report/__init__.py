"""The tutorial report: reads experiment results folders from disk (never trains) and writes
index.html and tutorial.md."""
