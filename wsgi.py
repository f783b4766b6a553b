"""WSGI entry point: ``gunicorn wsgi:app``."""
from lawexam import create_app

app = create_app()
