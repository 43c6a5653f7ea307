"""Guide's Streamlit face: ``streamlit run ui/app.py`` (or ``guide app``).

Pages: the citizen chat (default), the staff lookup for Info-Social workers, and the evaluation
page when it exists. The crisis banner (emergency, suicide prevention, Info-Social; numbers from
the help-line records) is on every page. French by default, English one click away. Nothing a
person writes is stored or logged.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import streamlit as st  # noqa: E402

import guide_ui as g  # noqa: E402

st.set_page_config(page_title="Guide", page_icon=":material/explore:", initial_sidebar_state="collapsed")
g.inject_css()
g.apply_pending_language()
banner = st.container(key="crisis-banner")  # first on every page; filled once the language is known
lang = g.language_toggle()  # French by default; "?lang=en" in the URL opens English
L = g.labels(lang)
with banner:
    g.crisis_banner(lang)  # from the data files alone: drawn before anything that can fail is loaded
try:
    with st.spinner(L["loading"]):
        g.engine()  # load the index, directory and models once per process (cached)
except Exception:  # the banner above still gives every crisis number; say so plainly
    g.log.exception("engine failed to load")
    st.error(L["engine_down"])
    st.stop()
citizen = st.Page(os.path.join(HERE, "citizen_page.py"), title=L["nav_citizen"], icon=":material/chat:",
                  url_path="aide", default=True)
staff = st.Page(os.path.join(HERE, "staff_page.py"), title=L["nav_staff"], icon=":material/search:",
                url_path="intervenant")
pages = [citizen, staff]
if os.path.exists(os.path.join(HERE, "evaluation_page.py")):
    pages.append(st.Page(os.path.join(HERE, "evaluation_page.py"), title="Évaluation / Evaluation",
                         icon=":material/analytics:", url_path="evaluation"))
page = st.navigation(pages, position="top")
# the citizen chat stays centered (phone-friendly); the staff and evaluation tables need the width
st.set_page_config(layout="centered" if page.title == citizen.title else "wide")
page.run()
