"""Oversight's pages: the public list of automated systems (``systems``), a person's decisions
and review requests (``person``), and operations' queue (``ops``)."""
