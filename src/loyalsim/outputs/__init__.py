"""Output writers: atomic files and run folders."""
