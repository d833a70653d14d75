"""From dashboard to decisions: the e-mail digest and the alerts (`python -m metrics digest|alerts`).

Built on metric results and metrics.analysis (the dashboard's period and significance rules); no Streamlit
calls. findings: what changed in the last finished period; digest: the message; alerts: rules, their
evaluation and state; delivery: SMTP and webhooks.
"""
