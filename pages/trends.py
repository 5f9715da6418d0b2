from borderwatch.ui.pages import trends_page

trends_page()
