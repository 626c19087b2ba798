"""Plain Django forms for the web pages; each module serves one group of views."""
