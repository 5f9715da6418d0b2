from borderwatch.ui.pages import incidents_page

incidents_page()
