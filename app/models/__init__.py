"""Qt-free domain core: Persian text, Jalali dates, SHAMS, canonical content and the local store.

Submodules are imported explicitly (``from app.models.persian import normalize``) so that
light users such as the server do not pull in the client's SQLAlchemy tables.
"""
