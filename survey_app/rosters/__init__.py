"""Loading class lists: upload, preview with the columns found, and confirm."""
