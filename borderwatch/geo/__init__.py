"""Geography: the region's boundaries (built from Natural Earth), place-name spellings,
and the grid that keeps the map a bounded size."""
