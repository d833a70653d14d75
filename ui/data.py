"""The app's one way to get data: a cached Dataset (sample data until connectors land)."""

from __future__ import annotations

import streamlit as st

from connectors.dataset import Dataset


@st.cache_resource(show_spinner="Loading data...")
def dataset() -> Dataset:
    from connectors.sample import sample_dataset

    return sample_dataset()
