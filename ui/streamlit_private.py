"""The one place Outside-In uses a private Streamlit API, because no supported way exists.

Streamlit decides once per process whether the app uses the old pages-folder mode: the first session's
`PagesManager` sets `PagesManager.uses_pages_directory` to whether a `pages/` folder sits next to the main
script, and only `st.navigation` sets it back to False. Outside-In keeps its pages in `pages/` (the layout
the design names) and lists them with `st.navigation` in app.py. A server whose first request opens a page
URL (/delivery) runs before any `st.navigation` call, so Streamlit runs pages/delivery.py bare: no filters,
no footer. Checked for a supported way: renaming `pages/` (the design keeps the name), `st.navigation` (it
is what clears the flag, but only from app.py, which a bare run never reaches), config options (none
changes the mode). tests/test_streamlit_private.py fails when Streamlit changes what this relies on.
"""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager


def never_pages_folder_mode() -> None:
    """At server start, before any session: tell Streamlit this app is not in pages-folder mode. Streamlit
    only sets the flag while it is None, so no session ever runs a page bare. Without this, viewers who open
    page URLs on a fresh replica at the same moment all start bare; the first one clears the flag and reruns,
    the others find it already cleared and fail (seen with 4 concurrent first views through the proxy)."""
    PagesManager.uses_pages_directory = False


def leave_pages_folder_mode() -> bool:
    """Turn the pages-folder mode off for this process, as st.navigation does; True when it was on (the
    caller reruns then, through app.py)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        return True
    return False
