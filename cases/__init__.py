"""Renewal cases: one per licence and cycle, from the first reminder to a submitted renewal.

    models.py    the tables: renewal_cases ──< case_items, case_files
    items.py     a case's items from the checklist rules (knowledge/checklist.yaml)
    service.py   open, read and change a case (every function takes the caller's session)
    files.py     where uploaded files live on disk, and which types and sizes are allowed
    archive.py   a case as one .zip with an index sheet (.xlsx)

A case is data; its items come from the rules. Chat handlers live in intents/case_*.py, the
consultancy's commands in licensebot/cli/cases.py. Nothing here imports a channel.
"""
