"""`liveblog follow`: poll live pages and feeds and publish what is new or changed as RawEntry."""
