"""Document adapter: renders briefing contexts into .docx (docxtpl), .html and .md (jinja2), and PDF."""
