"""Analytics: append-only events, daily rollups, and the dashboards' series."""
