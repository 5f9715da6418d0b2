"""Showing incidents: the view model (filters and display in a URL), maps, charts and
exports. Pure functions returning folium maps, plotly figures and bytes; no Streamlit."""
