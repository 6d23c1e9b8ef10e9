"""Tested helpers for the Robo-Nietzsche course.

Importing ``helpers`` does nothing but define names: no seeding, no TensorFlow import, no file
access. Import the module you need, for example ``from helpers import corpora, vocab, windows``.

Modules, in the order data flows through them (a module imports only modules above it):

* :mod:`helpers.corpora`  - find, verify and clean a text corpus (notebook 01).
* :mod:`helpers.vocab`    - characters <-> integer ids, saved as JSON (notebook 02).
* :mod:`helpers.windows`  - the two classic window encodings, materialized or streamed (notebook 02).

Side modules: :mod:`helpers.profiles` (ci / default / full sizes), :mod:`helpers.env` (seeding,
platform and device report), :mod:`helpers.metrics` (bits per character and baselines),
:mod:`helpers.plotting` (every figure), :mod:`helpers.project` (the public location of the course)
and :mod:`helpers.course` (the command line that sets up, runs and tests the course).
"""

__version__ = "0.1.0"
