"""Tested helpers for the Robo-Nietzsche course: what a learner's notebook imports.

Importing ``helpers`` does nothing but define names: no seeding, no TensorFlow import, no file
access. Import the module you need, for example ``from helpers import corpora, vocab, windows``.

Modules, in the order data flows through them (a module imports only modules above it):

* :mod:`helpers.corpora`    - find, verify, rebuild and clean a text corpus (notebook 01).
* :mod:`helpers.vocab`      - characters <-> integer ids, saved as JSON (02).
* :mod:`helpers.windows`    - window mechanics: encodings, target layouts, one tf.data stream (02).
* :mod:`helpers.recipes`    - the one place a recipe lives: preprocessing, targets, batches, model
  and its sizes, how it generates (04-06).
* :mod:`helpers.lstm`       - the LSTM cell in NumPy; any course model read statefully (03, 06, 08).
* :mod:`helpers.memory`     - the marked-symbol memory task: a simple RNN against an LSTM (03).
* :mod:`helpers.checkpoint` - one atomic ``.keras`` file with model, vocabulary and recipe that
  loads in every Keras 3 (04).
* :mod:`helpers.sampling`   - numerically safe temperature, top-k, top-p sampling (04, 07).
* :mod:`helpers.generation` - windowed or stateful generation as the recipe says, streamed (04-07).
* :mod:`helpers.training`   - one ``fit``: held-out metric, guardrails, resumable runs (04-06).
* :mod:`helpers.textgen`    - train on any text in one call, within a time budget, resumable;
  generate from the result (09).
* :mod:`helpers.pretrained` - the models the project ships in ``models/`` (04-10).
* :mod:`helpers.interpret`  - what a trained LSTM tracks: surprise, states, gates, units (08).
* :mod:`helpers.app`        - the live-generation interface (10).

The package's command line, ``python -m helpers train SOURCE... --minutes M --out FILE.keras``
and ``python -m helpers generate FILE.keras --seed-text TEXT``, is :mod:`helpers.__main__`, a thin
layer over :mod:`helpers.textgen`.

Side modules, which anything may import: :mod:`helpers.paths` (the repository's folders and where
runs are saved, never relative to the current folder), :mod:`helpers.profiles` (ci / default /
full sizes), :mod:`helpers.env` (seeding, platform and device report, distribution strategy),
:mod:`helpers.metrics` (bits per character and its Keras metric, baselines, text measures),
:mod:`helpers.plotting` (every figure) and :mod:`helpers.exercises` (the self-checks the
notebooks' exercises call). Authoring tools (set up, run, test, render) live outside the
package, in ``tools/``.
"""

__version__ = "0.1.0"
