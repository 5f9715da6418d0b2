"""Borderwatch home page: the incident map. Start with `make run` or `borderwatch run`."""

from borderwatch.ui.pages import map_page

map_page()
