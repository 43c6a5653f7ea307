"""The pages of the web face, run by Streamlit as scripts through ``st.navigation`` (never imported).

Not named ``pages/``: beside the entry script Streamlit reads that name as its v1 multipage folder (pages
served bare, without ``app.py``, on a process's first run)."""
