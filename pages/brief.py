from borderwatch.ui.brief import brief_page

brief_page()
