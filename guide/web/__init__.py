"""Guide's web face (Streamlit): ``guide app`` serves ``guide/web/app.py``.

``app.py`` is the entry (crisis banner, language, navigation); ``views/`` holds the citizen chat,
the staff lookup and the evaluation page; ``components.py`` the shared widgets and helpers;
``fr.yaml`` / ``en.yaml`` every label.
"""
