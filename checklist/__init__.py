"""The renewal checklist and the pre-renewal check-up: rules, steps, plan, findings, store, export."""
