"""Authoring tools for the course's maintainers: set up, run, test and render the notebooks, sync
their badges and setup cells, train the shipped models. Learners never import these; the
notebooks import only :mod:`helpers`."""
