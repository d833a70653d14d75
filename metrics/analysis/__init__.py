"""Reading metric results: the rules every page, the CLI and a future digest share, with no drawing.

periods: how a bucket is named (as a Polars expression and as a string) and whether it is complete;
change: whether two values differ beyond their intervals, and the latest finished change of a series;
shifts: where a weighted series changed level; distribution: the NPS survey's 0-10 answer counts;
units: how a value of each unit reads as text; headline: the twin pairs and customer KPIs the Overview shows
and the digest watches.
Pure functions over small collected Polars frames (metric results), no Streamlit.
"""
