"""Transformations from the source files in ``corpus/sources`` to records in ``corpus/records``.

Run ``guide corpus build`` after replacing a source file with a newer export.
"""
