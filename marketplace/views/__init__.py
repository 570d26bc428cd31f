"""Marketplace pages, one module per area: ``labs``, ``projects``, ``funding``, ``staffing``
(invitations, applications, engagements), ``timesheet``, ``tasks``, ``review`` (and appeals)
and ``quality``.

Every change goes through ``marketplace.services``; a refused change is shown where it was
asked for, with what was typed kept, and answered with 400. A role that may not do
something gets the 403 page with the service's reason. Another lab's pages, and other
experts' invitations, answer 404 as if they did not exist. What the pages show is worked
out by ``marketplace.presenters``; amounts reach the templates in minor units and are
formatted there with the ``money`` filter.
"""
