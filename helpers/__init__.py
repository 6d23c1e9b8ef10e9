"""Tested helpers for the Robo-Nietzsche course.

Importing ``helpers`` does nothing but define names: no seeding, no TensorFlow import, no file
access. Import the module you need, for example ``from helpers import corpora, vocab, windows``.

Modules, in the order data flows through them (a module imports only modules above it):

* :mod:`helpers.corpora`    - find, verify and clean a text corpus (notebook 01).
* :mod:`helpers.vocab`      - characters <-> integer ids, saved as JSON (notebook 02).
* :mod:`helpers.windows`    - the classic window encodings, streamed batches, chunks (02, 05).
* :mod:`helpers.recipes`    - each recipe's preprocessing and model (notebooks 03-05).
* :mod:`helpers.checkpoint` - one atomic ``.keras`` file with model, vocabulary, recipe (03).
* :mod:`helpers.sampling`   - numerically safe temperature, top-k, top-p sampling (03, 06).
* :mod:`helpers.generation` - windowed, stateful and streaming generation (03, 05, 06).
* :mod:`helpers.training`   - held-out metric, guardrails, resumable runs (03-05).
* :mod:`helpers.pretrained` - the models the project ships in ``models/`` (05-07).
* :mod:`helpers.app`        - the live-generation interface (notebook 07).

Side modules: :mod:`helpers.profiles` (ci / default / full sizes), :mod:`helpers.env` (seeding,
platform and device report, distribution strategy), :mod:`helpers.metrics` (bits per character,
baselines, text measures), :mod:`helpers.plotting` (every figure), :mod:`helpers.project` (the
public location of the course) and :mod:`helpers.course` (the command line that sets up, runs and
tests the course).
"""

__version__ = "0.1.0"
