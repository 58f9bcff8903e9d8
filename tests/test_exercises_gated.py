"""The gated-cell exercises: lstm_cell, gru_cell, lstm_layer.

Correct answers in several styles pass (and are checked against torch directly); the wrong answers in
``wrong_gated.py`` fail with their mistake named; every catalogued mistake is reachable; delegating to
torch's LSTM/GRU fails; hints never contain a solution.
"""

import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnn_course.exercises import check, get_exercise
from rnn_course.exercises.core import run_learner
from rnn_course.exercises.judge import judge

sys.path.insert(0, str(Path(__file__).parent))
from wrong_gated import WRONG  # noqa: E402  (tests/ is not a package)

EXERCISES = ("lstm_cell", "gru_cell", "lstm_layer")

# --- correct lstm_cell ------------------------------------------------------------------------


def lstm_chunk(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_slices(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    gates = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)  # (N, 4H)
    sig = torch.sigmoid(gates)
    i, f, o = sig[:, :H], sig[:, H : 2 * H], sig[:, 3 * H :]
    g = torch.tanh(gates[:, 2 * H : 3 * H])
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return (h_next, c_next)


def lstm_per_gate_weights(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    def gate(k):
        rows = slice(k * h.shape[1], (k + 1) * h.shape[1])
        return (
            torch.einsum("ni,hi->nh", x, weight_ih[rows])
            + torch.einsum("nj,hj->nh", h, weight_hh[rows])
            + bias_ih[rows]
            + bias_hh[rows]
        )

    i, f, g, o = gate(0).sigmoid(), gate(1).sigmoid(), gate(2).tanh(), gate(3).sigmoid()
    c_next = torch.addcmul(f * c, i, g)
    return [o * c_next.tanh(), c_next]


# --- correct gru_cell -------------------------------------------------------------------------


def gru_chunk(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def gru_lerp(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    gx, gh = F.linear(x, weight_ih, bias_ih), F.linear(h, weight_hh, bias_hh)
    rz = torch.sigmoid(gx[:, : 2 * H] + gh[:, : 2 * H])
    r, z = rz[:, :H], rz[:, H:]
    n = torch.tanh(gx[:, 2 * H :] + r * gh[:, 2 * H :])
    return torch.lerp(n, h, z)  # n + z * (h - n)


def gru_split_weights(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    W_ir, W_iz, W_in = weight_ih.split(h.shape[1])
    W_hr, W_hz, W_hn = weight_hh.split(h.shape[1])
    b_ir, b_iz, b_in = bias_ih.split(h.shape[1])
    b_hr, b_hz, b_hn = bias_hh.split(h.shape[1])
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    return n - z * n + z * h


# --- correct lstm_layer -----------------------------------------------------------------------


def layer_loop(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = lstm_chunk(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def layer_precomputed_input(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    from_x = x @ weight_ih.T + bias_ih  # (L, N, 4H), all steps at once
    h, c = h0, c0
    output = x.new_empty(x.shape[0], *h0.shape)  # (L, N, H)
    for t, pre_x in enumerate(from_x):
        i, f, g, o = (pre_x + h @ weight_hh.T + bias_hh).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        output[t] = h
    return output, (h, c)


def layer_list_states(x, h0, c0, *weights):
    states = [(h0, c0)]
    for x_t in x.unbind(0):
        states.append(tuple(lstm_slices(x_t, *states[-1], *weights)))
    hs = [h for h, _ in states[1:]]
    return torch.stack(hs, dim=0), states[-1]


CORRECT = {
    "lstm_cell": [lstm_chunk, lstm_slices, lstm_per_gate_weights],
    "gru_cell": [gru_chunk, gru_lerp, gru_split_weights],
    "lstm_layer": [layer_loop, layer_precomputed_input, layer_list_states],
}


def _torch_weights(module, suffix=""):
    return [
        getattr(module, name + suffix).detach()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]


def test_the_correct_solutions_match_torch_directly():
    torch.manual_seed(0)
    x, h, c = (
        torch.randn(3, 4, dtype=torch.float64),
        torch.randn(3, 5, dtype=torch.float64),
        torch.randn(3, 5, dtype=torch.float64),
    )
    lstm = nn.LSTMCell(4, 5, dtype=torch.float64)
    want_h, want_c = lstm(x, (h, c))
    for fn in CORRECT["lstm_cell"]:
        got_h, got_c = fn(x, h, c, *_torch_weights(lstm))
        torch.testing.assert_close(got_h, want_h)
        torch.testing.assert_close(got_c, want_c)
    gru = nn.GRUCell(4, 5, dtype=torch.float64)
    for fn in CORRECT["gru_cell"]:
        torch.testing.assert_close(fn(x, h, *_torch_weights(gru)), gru(x, h))
    seq = torch.randn(6, 3, 4, dtype=torch.float64)
    layer = nn.LSTM(4, 5, dtype=torch.float64)
    want_out, (want_hn, want_cn) = layer(seq, (h[None], c[None]))
    for fn in CORRECT["lstm_layer"]:
        out, (h_n, c_n) = fn(seq, h, c, *_torch_weights(layer, "_l0"))
        torch.testing.assert_close(out, want_out)
        torch.testing.assert_close(h_n, want_hn[0])
        torch.testing.assert_close(c_n, want_cn[0])


def test_there_are_enough_independent_wrong_answers():
    for exercise_id in ("lstm_cell", "gru_cell"):
        assert sum(e == exercise_id for e, _, _ in WRONG) >= 10, exercise_id
    assert sum(e == "lstm_layer" for e, _, _ in WRONG) >= 6


def _lstm_cell_delegate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    cell = nn.LSTMCell(x.shape[1], h.shape[1], dtype=x.dtype)
    cell.load_state_dict(
        {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}
    )
    with torch.no_grad():
        return cell(x, (h, c))


def _gru_kernel_delegate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)


def _lstm_kernel_delegate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    return tuple(torch.lstm_cell(x, (h, c), weight_ih, weight_hh, bias_ih, bias_hh))


def _lstm_layer_delegate(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    lstm = nn.LSTM(x.shape[2], h0.shape[1], dtype=x.dtype)
    lstm.load_state_dict(
        dict(
            zip(
                ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
                (weight_ih, weight_hh, bias_ih, bias_hh),
            )
        )
    )
    with torch.no_grad():
        output, (h_n, c_n) = lstm(x, (h0[None], c0[None]))
    return output, (h_n[0], c_n[0])


@pytest.mark.parametrize(
    "exercise_id, fn",
    [
        ("lstm_cell", _lstm_cell_delegate),
        ("lstm_cell", _lstm_kernel_delegate),
        ("gru_cell", _gru_kernel_delegate),
        ("lstm_layer", _lstm_layer_delegate),
    ],
)
def test_delegating_to_torchs_gated_cells_fails(exercise_id, fn):
    exercise = get_exercise(exercise_id)
    cases = exercise.cases()
    assert judge(exercise, cases, run_learner(exercise, fn, cases, use_guard=False)).passed, (
        "the delegate is right"
    )
    result = check(exercise_id, fn)
    assert not result.passed and "must be written from scratch" in result.feedback[0], (
        result.feedback
    )


def test_a_wrong_nesting_of_the_layer_result_gets_a_clear_message():
    def flat(x, h0, c0, *w):
        output, (h, c) = layer_loop(x, h0, c0, *w)
        return output, h, c

    result = check("lstm_layer", flat)
    assert not result.passed
    assert "should return (output, (h_n, c_n))" in " ".join(result.feedback), result.feedback
