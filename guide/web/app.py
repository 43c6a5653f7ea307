"""Guide's web face: ``streamlit run guide/web/app.py`` (or ``guide app``).

Pages: the citizen chat (default), the staff lookup for Info-Social workers, and the evaluation
page. The crisis banner (emergency, suicide prevention, Info-Social; numbers from the help-line
records) is on every page. French by default, English one click away. Nothing a person writes is
stored or logged; the "was this useful?" control counts votes only.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from guide.web import components as g

# not "pages/": Streamlit reserves a pages/ folder beside the entry for its v1 multipage mode (the first run
# of a process would serve /evaluation bare, without the crisis banner, and list raw file names)
PAGES = Path(__file__).resolve().parent / "views"

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
citizen = st.Page(PAGES / "citizen.py", title=L["nav_citizen"], icon=":material/chat:", url_path="aide", default=True)
staff = st.Page(PAGES / "staff.py", title=L["nav_staff"], icon=":material/search:", url_path="intervenant")
pages = [citizen, staff]
if (PAGES / "evaluation.py").exists():
    pages.append(
        st.Page(PAGES / "evaluation.py", title=L["nav_evaluation"], icon=":material/analytics:", url_path="evaluation")
    )
page = st.navigation(pages, position="top")
# the citizen chat stays centered (phone-friendly); the staff and evaluation tables need the width
st.set_page_config(layout="centered" if page.title == citizen.title else "wide")
page.run()
