"""Server-rendered web pages: templates, static assets and page routes."""
