from borderwatch.ui.upload import upload_page

upload_page()
