"""helpers.windows: both classic encodings, streamed batches, memory estimates, the split."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import windows
from helpers.vocab import Vocabulary

TEXT = "chapter i. down the rabbit-hole\n\nalice was beginning to get very tired"


def classic_loop(text, vocab, window, step):
    """The classic tutorials' per-window Python loop, as the reference."""
    xs, ys = [], []
    for i in range(0, len(text) - window, step):
        xs.append([vocab.char_to_id[c] for c in text[i : i + window]])
        ys.append(vocab.char_to_id[text[i + window]])
    return np.array(xs), np.array(ys)


@pytest.mark.parametrize("window, step", [(10, 1), (7, 3), (40, 3), (5, 50)])
def test_windows_match_the_classic_loop(window, step):
    vocab = Vocabulary.from_text(TEXT)
    ids = vocab.encode(TEXT)
    ref_x, ref_y = classic_loop(TEXT, vocab, window, step)
    x, y = windows.encode_windows(ids, window, step, "ids", vocab.size)
    assert x.shape == (len(range(0, len(TEXT) - window, step)), window)
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_array_equal(y, ref_y)
    assert windows.count_windows(len(TEXT), window, step) == len(ref_y)


def test_normalized_integer_encoding():
    vocab = Vocabulary.from_text(TEXT)
    x, y = windows.encode_windows(vocab.encode(TEXT), 10, 1, "normalized_integer", vocab.size)
    assert x.shape == (len(TEXT) - 10, 10, 1) and x.dtype == np.float32 and y.dtype == np.int32
    ref_x, _ = classic_loop(TEXT, vocab, 10, 1)
    np.testing.assert_allclose(x[..., 0], ref_x / float(vocab.size), rtol=1e-6)
    assert 0 <= x.min() and x.max() < 1


def test_one_hot_encoding_is_bool_with_one_true_per_step():
    vocab = Vocabulary.from_text(TEXT)
    x, y = windows.encode_windows(vocab.encode(TEXT), 7, 3, "one_hot", vocab.size)
    assert x.dtype == np.bool_ and x.shape == (len(range(0, len(TEXT) - 7, 3)), 7, vocab.size)
    assert (x.sum(axis=-1) == 1).all()
    ref_x, ref_y = classic_loop(TEXT, vocab, 7, 3)
    np.testing.assert_array_equal(x.argmax(-1), ref_x)
    np.testing.assert_array_equal(y, ref_y)
    assert vocab.decode(x[1].argmax(-1)) == TEXT[3:10] and vocab.decode([y[1]]) == TEXT[10]


def test_every_position_targets_are_the_inputs_shifted_by_one():
    vocab = Vocabulary.from_text(TEXT)
    ids = vocab.encode(TEXT)
    x, y = windows.encode_windows(ids, 7, 7, "ids", vocab.size, targets="every")
    assert x.shape == y.shape == (windows.count_windows(len(ids), 7, 7), 7)
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
    np.testing.assert_array_equal(y.ravel()[: len(ids) - 1], ids[1 : len(y.ravel()) + 1])
    last_x, last_y = windows.encode_windows(ids, 7, 7, "ids", vocab.size)
    np.testing.assert_array_equal(last_y, y[:, -1])  # the classic target is the last column
    assert windows.estimate_bytes(len(ids), 7, 7, "ids", vocab.size, targets="every") == (
        x.nbytes + y.nbytes
    )


def stream_batches(*args, **kwargs):
    return [(x.numpy(), y.numpy()) for x, y in windows.dataset(*args, **kwargs)]


@pytest.mark.parametrize(
    "encoding, targets",
    [("one_hot", "last"), ("normalized_integer", "last"), ("ids", "last"), ("ids", "every")],
)
def test_streamed_batches_equal_materialized_ones(encoding, targets):
    text = TEXT * 5
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    x, y = windows.encode_windows(ids, 12, 2, encoding, vocab.size, targets)
    in_order = stream_batches(ids, 12, 2, encoding, vocab.size, targets, 16)
    assert len(in_order) == windows.batches_per_epoch(len(y), 16) == -(-len(y) // 16)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in in_order]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in in_order]), y)
    shuffled = stream_batches(ids, 12, 2, encoding, vocab.size, targets, 16, shuffle=True, seed=3)
    order = windows.epoch_order(len(y), 3, 0)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in shuffled]), x[order])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in shuffled]), y[order])


def test_each_epoch_has_a_new_order_but_the_same_windows():
    ids = np.arange(200) % 7
    two = stream_batches(ids, 5, 1, "ids", 7, "last", 195, shuffle=True, seed=3, epochs=2)
    assert len(two) == 2 and not np.array_equal(two[0][0], two[1][0])
    assert sorted(map(tuple, two[0][0])) == sorted(map(tuple, two[1][0]))


def test_a_stream_started_at_a_later_epoch_matches_one_that_got_there():
    ids = np.arange(300) % 11
    args = (ids, 6, 2, "ids", 11, "every", 32)
    running = stream_batches(*args, shuffle=True, seed=4, epochs=3)
    resumed = stream_batches(*args, shuffle=True, seed=4, first_epoch=2, epochs=3)
    per_epoch = windows.batches_per_epoch(windows.count_windows(300, 6, 2), 32)
    assert len(running) == 3 * per_epoch and len(resumed) == per_epoch
    for (ax, ay), (bx, by) in zip(running[2 * per_epoch :], resumed, strict=True):
        np.testing.assert_array_equal(ax, bx)
        np.testing.assert_array_equal(ay, by)


def test_short_epochs_take_the_first_batches_of_each_order():
    ids = np.arange(300) % 11
    args = (ids, 6, 2, "ids", 11, "last", 16)
    full = stream_batches(*args, shuffle=True, seed=9, epochs=2)
    short = stream_batches(*args, shuffle=True, seed=9, epochs=2, steps_per_epoch=3)
    per_epoch = len(full) // 2
    assert len(short) == 6 and all(len(y) == 16 for _, y in short)
    for k in range(3):
        np.testing.assert_array_equal(short[k][0], full[k][0])
        np.testing.assert_array_equal(short[3 + k][0], full[per_epoch + k][0])


def test_too_short_text_and_bad_arguments():
    with pytest.raises(ValueError, match="needs at least 41"):
        windows.window_starts(40, 40, 3)
    with pytest.raises(ValueError, match="at least 1"):
        windows.count_windows(100, 0, 1)
    with pytest.raises(ValueError, match="encoding must be"):
        windows.encode_windows(np.arange(50), 10, 1, "embedding", 50)
    with pytest.raises(ValueError, match="targets must be"):
        windows.encode_windows(np.arange(50), 10, 1, "ids", 50, targets="first")
    with pytest.raises(ValueError, match="batch_size"):
        windows.batches_per_epoch(100, 0)
    with pytest.raises(ValueError, match="first_epoch"):
        windows.dataset(np.arange(50), 10, 1, "ids", 50, epochs=2, first_epoch=2)


def test_estimates_match_real_arrays():
    text = TEXT * 20
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    for encoding, window, step in [
        ("one_hot", 40, 3),
        ("normalized_integer", 100, 1),
        ("ids", 30, 2),
    ]:
        x, y = windows.encode_windows(ids, window, step, encoding, vocab.size)
        assert (
            windows.estimate_bytes(len(ids), window, step, encoding, vocab.size)
            == x.nbytes + y.nbytes
        )


def test_classic_nietzsche_one_hot_is_about_half_a_gigabyte_streamed_is_small():
    materialized = windows.estimate_bytes(600_893, 40, 3, "one_hot", 57)
    streamed = windows.estimate_bytes(600_893, 40, 3, "one_hot", 57, batch_size=128)
    assert 450e6 < materialized < 460e6  # (200,285 windows x 40 x 57) bools + targets
    assert streamed < 5e6


def test_format_bytes():
    assert windows.format_bytes(512) == "512 B"
    assert windows.format_bytes(456_450_000) == "456.4 MB"
    assert windows.format_bytes(2.5e9) == "2.5 GB"


def test_split_tail_leaves_no_shared_characters():
    ids = np.arange(1000)
    train, val = windows.split_tail(ids, 0.1)
    assert len(train) == 900 and len(val) == 100 and val[0] == 900
    tx, ty = windows.encode_windows(train, 40, 3, "ids", 1000)
    vx, vy = windows.encode_windows(val, 40, 3, "ids", 1000)
    train_positions = set(tx.ravel()) | set(ty)
    val_positions = set(vx.ravel()) | set(vy)
    assert not train_positions & val_positions
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        windows.split_tail(ids, 1.0)
