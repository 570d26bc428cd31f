"""Vetting pages. Experts: ``credentials``, ``assessments`` and ``cases``; operations:
``ops_credentials`` (the dashboard and credential review), ``ops_contributors`` (experts and
their tiers), ``ops_cases`` and ``ops_audit``. ``documents`` serves a credential's file to both.

Every change goes through ``vetting.services``; a refused change is shown on the form it
came from, with what was typed kept, and answered with 400.
"""
